import { isRequested, project, type Projection } from '../../lambdas/scim/projection';
import { resourceLocation, withLocations } from '../../lambdas/scim/references';
import { GROUP_SCHEMA, USER_SCHEMA, groupModel, groupResourceType, userModel, userResourceType } from '../../lambdas/scim/schemas';

const BASE = 'https://scim.example.com/scim/v2';

const group = {
  schemas: [GROUP_SCHEMA],
  id: 'g-1',
  displayName: 'Engineering',
  members: [
    { value: 'u-1', $ref: `${BASE}/Users/u-1`, type: 'User', display: 'Ada' },
    { value: 'u-2', $ref: `${BASE}/Users/u-2`, type: 'User' },
  ],
  meta: { resourceType: 'Group', location: `${BASE}/Groups/g-1` },
};

const user = {
  schemas: [USER_SCHEMA],
  id: 'u-1',
  userName: 'ada@example.com',
  emails: [{ value: 'ada@example.com', type: 'work', primary: true }, { value: 'ada@home.example' }, { type: 'other' }],
};

describe('attributes naming sub-attributes (RFC 7644 §3.4.2.5)', () => {
  it('returns members.type and members.$ref of every member, and nothing else of them', () => {
    expect(project(groupModel, group, { attributes: ['members.type', 'members.$ref'] })).toEqual({
      schemas: [GROUP_SCHEMA],
      id: 'g-1',
      members: [
        { type: 'User', $ref: `${BASE}/Users/u-1` },
        { type: 'User', $ref: `${BASE}/Users/u-2` },
      ],
    });
  });

  it('keeps each value whole across the sub-attributes named, even where one value lacks one', () => {
    expect(project(userModel, user, { attributes: ['emails.value', 'EMAILS.type'] }).emails).toEqual([
      { value: 'ada@example.com', type: 'work' },
      { value: 'ada@home.example' },
      { type: 'other' },
    ]);
    expect(project(userModel, user, { attributes: ['emails.primary'] }).emails).toEqual([{ primary: true }]);
  });

  it('returns the whole attribute when it is named whole as well', () => {
    expect(project(userModel, user, { attributes: ['emails.type', 'emails'] }).emails).toEqual(user.emails);
  });

  it('still leaves members out with excludedAttributes=members, and only display with members.display', () => {
    expect(project(groupModel, group, { excludedAttributes: ['members'] })).not.toHaveProperty('members');
    expect(project(groupModel, group, { excludedAttributes: ['members.display'] }).members).toEqual([
      { value: 'u-1', $ref: `${BASE}/Users/u-1`, type: 'User' },
      { value: 'u-2', $ref: `${BASE}/Users/u-2`, type: 'User' },
    ]);
  });

  it('shows members.display (returned "request") only when attributes names it, not for members alone', () => {
    const displays = (projection: Projection) => (project(groupModel, group, projection).members as Array<Record<string, unknown>> | undefined)?.map((member) => member.display);
    expect(displays({})).toEqual([undefined, undefined]);
    expect(displays({ attributes: ['members.value'] })).toEqual([undefined, undefined]);
    expect(displays({ attributes: ['members.display'] })).toEqual(['Ada']);
    expect(displays({ attributes: ['members'] })).toEqual([undefined, undefined]);
    expect(displays({ attributes: ['members', 'MEMBERS.Display'] })).toEqual(['Ada', undefined]);
  });
});

describe('isRequested: what a response will show, so that only that is read', () => {
  it.each<[string, Projection, boolean]>([
    ['members', {}, true],
    ['members', { excludedAttributes: ['members'] }, false],
    ['members', { excludedAttributes: ['members.display'] }, true],
    ['members', { attributes: ['displayName'] }, false],
    ['members', { attributes: ['members.type', 'members.$ref'] }, true],
    ['members.display', {}, false],
    ['members.display', { excludedAttributes: ['displayName'] }, false],
    ['members.display', { attributes: ['members.$ref'] }, false],
    ['members.display', { attributes: ['members.display'] }, true],
    ['members.display', { attributes: ['Members'] }, false],
    ['members.display', { attributes: ['members', 'Members.Display'] }, true],
    ['members.type', { attributes: ['members'] }, true],
    ['members.type', {}, true],
    ['members.type', { excludedAttributes: ['members.type'] }, false],
  ])('%s with %j: %s', (path, projection, expected) => {
    expect(isRequested(groupModel, projection, path)).toBe(expected);
  });

  it('answers for a user\'s groups by their sub-attributes too', () => {
    expect(isRequested(userModel, { attributes: ['groups.$ref'] }, 'groups')).toBe(true);
    expect(isRequested(userModel, { attributes: ['userName'] }, 'groups')).toBe(false);
  });
});

describe('withLocations: $ref of the references the server keeps (RFC 7643 §4.1.2, §4.2)', () => {
  it('locates members by their type and groups by the one type their $ref may name', () => {
    expect(withLocations(groupModel, { members: [{ value: 'u-1', type: 'User' }] }, BASE)).toEqual({
      members: [{ value: 'u-1', $ref: `${BASE}/Users/u-1`, type: 'User' }],
    });
    expect(withLocations(userModel, { groups: [{ value: 'g-1', display: 'Engineering', type: 'direct' }] }, BASE)).toEqual({
      groups: [{ value: 'g-1', $ref: `${BASE}/Groups/g-1`, display: 'Engineering', type: 'direct' }],
    });
  });

  it('leaves a member whose type names no resource type without a $ref rather than guess', () => {
    expect(withLocations(groupModel, { members: [{ value: 'x-1', type: 'Device' }] }, BASE)).toEqual({ members: [{ value: 'x-1', type: 'Device' }] });
  });

  it('builds the same location as meta.location', () => {
    expect(resourceLocation(BASE, userResourceType, 'u-1')).toBe(`${BASE}/Users/u-1`);
    expect(resourceLocation(BASE, groupResourceType, 'g-1')).toBe(`${BASE}/Groups/g-1`);
  });
});
