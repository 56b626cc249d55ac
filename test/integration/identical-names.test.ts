import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_TENANT } from '../../lambdas/contracts/tenancy';
import { derivedAttributes, foldCase, keys, keyValue, legacyFold } from '../../lambdas/contracts/table-design';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { aGroup, aUser, patchOf } from '../support/builders';
import { unique } from '../support/scim-server';
import { useScimServer } from '../support/scim-fixture';

const scim = useScimServer();

/** What people read as the same name, written another way (RFC 8265 §3.3.2 and the issue's list). */
const lookalikes: Array<[string, (name: string) => string]> = [
  ['with surrounding spaces', (name) => `  ${name} `],
  ['with a surrounding tab-free no-break space', (name) => `\u00a0${name}`],
  ['in upper case', (name) => name.toUpperCase()],
  ['in fullwidth letters', (name) => [...name].map((c) => (/[a-z]/i.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('')],
];

/** Characters that make a name look like another or like nothing: 400 invalidValue. */
const invisible: Array<[string, string]> = [
  ['a zero-width space', '\u200b'],
  ['a zero-width joiner', '\u200d'],
  ['a right-to-left override', '\u202e'],
  ['a byte order mark', '\ufeff'],
  ['a NUL', '\u0000'],
  ['an escape', '\u001b'],
  ['a line separator', '\u2028'],
  ['an unpaired high surrogate', '\ud800'],
  ['an unpaired low surrogate', '\udc00'],
];

const expectRefused = (response: { status: number; body: any }, status: number, scimType: string) =>
  expect({ status: response.status, body: response.body }).toEqual({
    status,
    body: expect.objectContaining({ status: String(status), scimType, detail: expect.any(String) }),
  });

describe('userNames people cannot tell apart are one userName', () => {
  it.each(lookalikes)('refuses a userName %s with 409 beside the original', async (_what, variant) => {
    const original = await scim.createUser({ userName: `${unique('lookalike')}@example.com` });
    expectRefused(await scim('POST', '/Users', aUser({ userName: variant(original.userName) })), 409, 'uniqueness');
  });

  it('refuses "Åsa" composed beside "Åsa" decomposed, and the other way round', async () => {
    const tag = unique('asa');
    const decomposed = await scim.createUser({ userName: `A\u030asa.${tag}@example.com` });
    expectRefused(await scim('POST', '/Users', aUser({ userName: `\u00c5sa.${tag}@example.com` })), 409, 'uniqueness');
    const composed = await scim.createUser({ userName: `\u00c5sa.2.${tag}@example.com` });
    expectRefused(await scim('POST', '/Users', aUser({ userName: `A\u030asa.2.${tag}@example.com` })), 409, 'uniqueness');
    expect([decomposed.userName, composed.userName]).toEqual([`A\u030asa.${tag}@example.com`, `\u00c5sa.2.${tag}@example.com`]);
  });

  it.each(invisible)('refuses a userName with %s with 400 invalidValue naming the character', async (_what, character) => {
    const tag = unique('invisible');
    const userName = `ali${character}ce.${tag}@example.com`;
    const response = await scim('POST', '/Users', aUser({ userName }));
    expectRefused(response, 400, 'invalidValue');
    expect(response.body.detail).toContain(`U+${character.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
    expect((await scim('GET', `/Users?filter=${encodeURIComponent(`userName co "${tag}"`)}`)).body.totalResults).toBe(0);
  });

  it('refuses a lookalike or invisible userName on PUT and PATCH too', async () => {
    const [taken, mine] = await scim.createUsers(2);
    expectRefused(await scim('PUT', `/Users/${mine.id}`, aUser({ userName: ` ${taken.userName.toUpperCase()}` })), 409, 'uniqueness');
    expectRefused(await scim('PATCH', `/Users/${mine.id}`, patchOf({ op: 'replace', path: 'userName', value: `\u202e${mine.userName}` })), 400, 'invalidValue');
    expect((await scim('GET', `/Users/${mine.id}`)).body.userName).toBe(mine.userName);
  });

  it('stores what the client sent, trimmed, and finds it by any of its forms', async () => {
    const userName = `${unique('Trimmed')}@Example.com`;
    const created = await scim('POST', '/Users', aUser({ userName: ` ${userName}  ` }));
    expect(created.body.userName).toBe(userName);
    for (const form of [userName, userName.toLowerCase(), lookalikes[3][1](userName)]) {
      const found = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${form}"`)}`);
      expect({ form, ids: found.body.Resources?.map((user: { id: string }) => user.id) }).toEqual({ form, ids: [created.body.id] });
    }
  });

  it("leaves the userNames Okta and Entra ID send as they are: emails, UPNs, plus-addressing, apostrophes", async () => {
    const tag = unique('idp');
    for (const userName of [`ada.lovelace+${tag}@example.com`, `O'Brien.${tag}@contoso.onmicrosoft.com`, `first_last-${tag}@sub.example.co.uk`, `${tag}`]) {
      const created = await scim.createUser({ userName });
      expect(created.userName).toBe(userName);
      const found = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
      expect(found.body.totalResults).toBe(1);
    }
  });
});

describe("groups' displayNames fold the same way", () => {
  it('refuses a lookalike displayName with 409 and an invisible one with 400', async () => {
    const group = await scim.createGroup({ displayName: `Engineering ${unique('g')}` });
    expectRefused(await scim('POST', '/Groups', aGroup({ displayName: ` ${group.displayName.toUpperCase()} ` })), 409, 'uniqueness');
    expectRefused(await scim('POST', '/Groups', aGroup({ displayName: `${group.displayName}\u200b` })), 400, 'invalidValue');
  });
});

describe('users stored before names were folded this way', () => {
  /** Turns a user into one an earlier version wrote: userName claimed under legacyFold, no keyFold. */
  async function asWrittenBefore(id: string, userName: string) {
    const client = createDocumentClient(scim.server.dynamoDbEndpoint);
    const TableName = scim.server.tableName;
    await client.send(new DeleteCommand({ TableName, Key: keys.unique(DEFAULT_TENANT, 'User', 'userName', keyValue(foldCase(userName))) }));
    await client.send(
      new PutCommand({ TableName, Item: { ...keys.unique(DEFAULT_TENANT, 'User', 'userName', keyValue(legacyFold(userName))), tenant: DEFAULT_TENANT, id, attribute: 'userName' } }),
    );
    await client.send(new UpdateCommand({ TableName, Key: keys.resource(DEFAULT_TENANT, 'User', id), UpdateExpression: `REMOVE ${derivedAttributes.keyFold}` }));
    return { client, TableName };
  }

  it('are found by their name, change and delete as before, and are re-keyed by their next write', async () => {
    const userName = `ＯＬＤ.${unique('fullwidth')}@example.com`;
    const created = await scim.createUser({ userName });
    const { client, TableName } = await asWrittenBefore(created.id, userName);
    const legacyKey = keys.unique(DEFAULT_TENANT, 'User', 'userName', keyValue(legacyFold(userName)));
    expect(legacyFold(userName)).not.toBe(foldCase(userName));

    const found = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
    expect(found.body.Resources?.map((user: { id: string }) => user.id)).toEqual([created.id]);

    expect((await scim('PATCH', `/Users/${created.id}`, patchOf({ op: 'replace', path: 'active', value: false }))).status).toBe(200);
    expect((await client.send(new GetCommand({ TableName, Key: legacyKey }))).Item).toBeUndefined();
    expectRefused(await scim('POST', '/Users', aUser({ userName: userName.normalize('NFKC') })), 409, 'uniqueness');

    expect((await scim('DELETE', `/Users/${created.id}`)).status).toBe(204);
    expect((await scim('POST', '/Users', aUser({ userName }))).status).toBe(201);
  });

  it('are deleted with their legacy claims released', async () => {
    const userName = `A\u030aSE.${unique('decomposed')}@example.com`;
    const created = await scim.createUser({ userName });
    const { client, TableName } = await asWrittenBefore(created.id, userName);
    expect((await scim('DELETE', `/Users/${created.id}`)).status).toBe(204);
    expect((await client.send(new GetCommand({ TableName, Key: keys.unique(DEFAULT_TENANT, 'User', 'userName', keyValue(legacyFold(userName))) }))).Item).toBeUndefined();
    expect((await scim('POST', '/Users', aUser({ userName }))).status).toBe(201);
  });
});
