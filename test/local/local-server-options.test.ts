import { join } from 'node:path';
import { awsEndpointRegion, localDynamoDbClientConfig } from '../../lambdas/contracts/environment';
import { localServerOptions } from '../../lib/local/local-server';

const ROOT = '/project';
const options = (argv: string[], environment: NodeJS.ProcessEnv = {}) => localServerOptions(argv, environment, ROOT);

describe("npm start's options", () => {
  it('runs the embedded store in the data directory unless told of another, on 8080, table "scim"', () => {
    expect(options([])).toEqual({ dataDir: join(ROOT, '.scim-data'), port: 8080, tableName: 'scim', dynamoDbEndpoint: undefined, awsRegion: undefined });
  });

  it('takes a DynamoDB endpoint from --dynamodb-endpoint (either form) or SCIM_DYNAMODB_ENDPOINT, the flag first', () => {
    expect(options(['--dynamodb-endpoint', 'http://127.0.0.1:8000']).dynamoDbEndpoint).toBe('http://127.0.0.1:8000');
    expect(options(['--dynamodb-endpoint=http://localhost:8000/']).dynamoDbEndpoint).toBe('http://localhost:8000');
    expect(options([], { SCIM_DYNAMODB_ENDPOINT: 'http://dynamodb-local:8000' }).dynamoDbEndpoint).toBe('http://dynamodb-local:8000');
    expect(options(['--dynamodb-endpoint', 'http://127.0.0.1:8001'], { SCIM_DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' }).dynamoDbEndpoint).toBe('http://127.0.0.1:8001');
    expect(options([], { SCIM_DYNAMODB_ENDPOINT: '' }).dynamoDbEndpoint).toBeUndefined();
  });

  it('knows an AWS endpoint by its host, and its region', () => {
    expect(options(['--dynamodb-endpoint', 'https://dynamodb.eu-west-1.amazonaws.com'])).toMatchObject({ dynamoDbEndpoint: 'https://dynamodb.eu-west-1.amazonaws.com', awsRegion: 'eu-west-1' });
    expect(awsEndpointRegion('https://dynamodb-fips.us-gov-west-1.amazonaws.com')).toBe('us-gov-west-1');
    expect(awsEndpointRegion('https://dynamodb.cn-north-1.amazonaws.com.cn')).toBe('cn-north-1');
    expect(awsEndpointRegion('https://dynamodb.ap-southeast-2.api.aws')).toBe('ap-southeast-2');
    expect(awsEndpointRegion('https://vpce-0abc-def.dynamodb.eu-central-1.vpce.amazonaws.com')).toBe('eu-central-1');
    for (const local of ['http://127.0.0.1:8000', 'http://localhost:8000', 'http://dynamodb-local:8000', 'http://amazonaws.com.example:8000', 'not a url']) {
      expect({ local, region: awsEndpointRegion(local) }).toEqual({ local, region: undefined });
    }
  });

  it('gives a DynamoDB Local fixed credentials, and an AWS endpoint the default credential chain', () => {
    expect(localDynamoDbClientConfig('http://127.0.0.1:8000')).toEqual({ endpoint: 'http://127.0.0.1:8000', region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    expect(localDynamoDbClientConfig('https://dynamodb.eu-west-1.amazonaws.com')).toEqual({ endpoint: 'https://dynamodb.eu-west-1.amazonaws.com', region: 'eu-west-1' });
  });

  it('takes SCIM_TABLE_NAME, PORT and SCIM_DATA_DIR', () => {
    expect(options([], { SCIM_TABLE_NAME: 'scim-dev', PORT: '0', SCIM_DATA_DIR: '/data' })).toMatchObject({ tableName: 'scim-dev', port: 0, dataDir: '/data' });
  });

  it('refuses what it cannot use, saying what it wants', () => {
    expect(() => options(['--dynamodb-endpoint'])).toThrow(/argument missing/);
    expect(() => options(['--dynamodb'])).toThrow(/Unknown option/);
    expect(() => options(['serve'])).toThrow(/Unexpected argument/);
    for (const endpoint of ['127.0.0.1:8000', 'ftp://127.0.0.1:8000', 'http://127.0.0.1:8000/scim', 'http://127.0.0.1:8000?x=1']) {
      expect(() => options(['--dynamodb-endpoint', endpoint])).toThrow(/http\(s\) URL of a host and port only/);
    }
    // Not echoed: what was given is a secret.
    expect(() => options(['--dynamodb-endpoint', 'http://user:secret@127.0.0.1:8000'])).toThrow(/^((?!secret).)*must not carry credentials((?!secret).)*$/);
    expect(() => options([], { SCIM_TABLE_NAME: 'a b' })).toThrow(/SCIM_TABLE_NAME must be a DynamoDB table name/);
    expect(() => options([], { PORT: 'eighty' })).toThrow(/PORT must be a port number/);
  });
});
