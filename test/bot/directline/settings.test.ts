import { ConfigError, loadConfig } from '../../../bot/config';

describe('web chat settings', () => {
  it('default to a 30-minute token, 16 KB messages, 24 hours kept, no proactive rules, Azure’s global Direct Line', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PARLEY_WEBCHAT_TOKEN_MINUTES: 30,
      PARLEY_WEBCHAT_MAX_MESSAGE_BYTES: 16384,
      PARLEY_WEBCHAT_RETENTION_HOURS: 24,
      PARLEY_DIRECTLINE_DOMAIN: 'https://directline.botframework.com/v3/directline',
    });
    expect(config.PARLEY_PROACTIVE_RULES).toBeUndefined();
  });

  it.each([
    [{ PARLEY_WEBCHAT_TOKEN_MINUTES: '10' }, 'PARLEY_WEBCHAT_TOKEN_MINUTES: Too small: expected number to be >=20 (got "10")'],
    [{ PARLEY_WEBCHAT_MAX_MESSAGE_BYTES: '1000000' }, 'PARLEY_WEBCHAT_MAX_MESSAGE_BYTES: Too big: expected number to be <=262144 (got "1000000")'],
    [{ PARLEY_WEBCHAT_RETENTION_HOURS: '0' }, 'PARLEY_WEBCHAT_RETENTION_HOURS: Too small: expected number to be >=1 (got "0")'],
    [{ PARLEY_DIRECTLINE_DOMAIN: 'directline' }, 'PARLEY_DIRECTLINE_DOMAIN: Invalid URL (got "directline")'],
  ])('refuse %p', (env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([message]);
  });
});
