import { mismatches, presentPaths, valueAt } from './match';

describe('deep-partial matcher', () => {
  const user = {
    id: 'u1',
    userName: 'jane@example.com',
    active: false,
    name: { givenName: 'Jane', familyName: 'Doe' },
    emails: [
      { value: 'jane@home.example', type: 'home' },
      { value: 'jane@example.com', type: 'work', primary: true },
    ],
    meta: { resourceType: 'User', location: 'https://h/scim/v2/Users/u1' },
  };

  it('accepts a subset, with array elements in any order', () => {
    expect(
      mismatches(
        {
          userName: 'jane@example.com',
          name: { givenName: 'Jane' },
          emails: [{ type: 'work', value: 'jane@example.com' }, { type: 'home' }],
          meta: { location: { $contains: '/Users/u1' } },
          id: { $match: 'string' },
        },
        user,
      ),
    ).toEqual([]);
  });

  it('fails on a wrong scalar, a missing key, a missing array element and a string-typed boolean', () => {
    const found = mismatches(
      {
        name: { givenName: 'John' },
        title: 'Engineer',
        emails: [{ type: 'other' }],
        active: 'False',
      },
      user,
    );
    expect(found).toEqual([
      'name.givenName: expected "John", got "Jane"',
      'title: expected "Engineer", got nothing (absent)',
      expect.stringContaining('emails[0]: no element of'),
      'active: expected "False", got false',
    ]);
  });

  it('operators can fail too', () => {
    expect(mismatches({ $match: 'integer' }, '3')).toHaveLength(1);
    expect(mismatches({ $match: 'integer', min: 2 }, 1)).toHaveLength(1);
    expect(mismatches({ $match: 'empty' }, [{ value: 'x' }])).toHaveLength(1);
    expect(mismatches({ $match: 'absent' }, 'secret')).toHaveLength(1);
    expect(mismatches({ $oneOf: ['invalidPath', 'noTarget'] }, 'invalidValue')).toHaveLength(1);
    expect(mismatches({ $not: [{ id: 'u1' }] }, [{ id: 'u1' }, { id: 'u2' }])).toHaveLength(1);
    expect(mismatches({ $exactly: [{ value: 'a' }] }, [{ value: 'a' }, { value: 'b' }])).toHaveLength(1);
    expect(mismatches({ $exactly: [{ value: 'a' }, { value: 'a' }] }, [{ value: 'a' }, { value: 'b' }])).toHaveLength(1);
    expect(mismatches({ $ordered: [{ id: 'b' }, { id: 'a' }] }, [{ id: 'a' }, { id: 'b' }])).toHaveLength(2);
  });

  it('operators pass when they should', () => {
    expect(mismatches({ $match: 'empty' }, undefined)).toEqual([]);
    expect(mismatches({ members: { $match: 'empty' } }, { members: [] })).toEqual([]);
    expect(mismatches({ $exactly: [{ value: 'b' }, { value: 'a' }] }, [{ value: 'a' }, { value: 'b' }])).toEqual([]);
    expect(mismatches({ $not: [{ id: 'u3' }] }, [{ id: 'u1' }])).toEqual([]);
    expect(mismatches({ $oneOf: [200, 204] }, 204)).toEqual([]);
    // `$ref` is a SCIM attribute, not an operator.
    expect(mismatches({ $ref: 'x' }, { $ref: 'y' })).toHaveLength(1);
  });

  it('finds forbidden paths through arrays and reads captured paths', () => {
    const list = { Resources: [{ id: 'a' }, { id: 'b', password: 'p' }] };
    expect(presentPaths(list, 'Resources.password')).toEqual(['Resources[1].password']);
    expect(presentPaths(user, 'password')).toEqual([]);
    expect(valueAt(list, 'Resources.1.id')).toBe('b');
    expect(valueAt({ 'urn:x:2.0:User': { employeeNumber: '7' } }, ['urn:x:2.0:User', 'employeeNumber'])).toBe('7');
  });
});
