import path from 'node:path';
import { ConfigError, loadConfig } from '../../bot/config';

describe('loadConfig', () => {
  it('fills in every default', () => {
    const config = loadConfig({}, '/srv/parley');
    expect(config).toMatchObject({
      PORT: 3978,
      PARLEY_DATA_DIR: './data',
      dataDir: path.resolve('/srv/parley/data'),
      knowledgeDir: path.resolve('/srv/parley/knowledge'),
      PARLEY_TIMEZONE: 'Europe/London',
      PARLEY_CONCURRENT_TURNS: 48,
      MicrosoftAppType: 'MultiTenant',
      localMode: true,
    });
  });

  it('treats empty values as unset and reads numbers from strings', () => {
    const config = loadConfig({ PORT: '4000', PARLEY_DATA_DIR: '', MicrosoftAppId: 'abc', HOST: '0.0.0.0' }, '/srv');
    expect(config.PORT).toBe(4000);
    expect(config.dataDir).toBe(path.resolve('/srv/data'));
    expect(config.localMode).toBe(false);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT: Invalid input: expected number, received NaN (got "eighty")'],
    [{ PORT: '70000' }, 'PORT: Too big: expected number to be <=65535 (got "70000")'],
    [{ PARLEY_CONCURRENT_TURNS: '-1' }, 'PARLEY_CONCURRENT_TURNS: Too small: expected number to be >=0 (got "-1")'],
    [{ PARLEY_ANSWER_THRESHOLD: '2' }, 'PARLEY_ANSWER_THRESHOLD: Too big: expected number to be <=1 (got "2")'],
    [{ MicrosoftAppType: 'Anyone' }, 'MicrosoftAppType: Invalid option: expected one of "MultiTenant"|"SingleTenant"|"UserAssignedMSI" (got "Anyone")'],
    [{ PARLEY_TIMEZONE: 'Mars/Olympus' }, 'PARLEY_TIMEZONE: is not an IANA time zone (got "Mars/Olympus")'],
    [
      { HOST: '0.0.0.0' },
      'HOST: local mode (no MicrosoftAppId) listens on localhost only: set MicrosoftAppId to listen on other addresses (got "0.0.0.0")',
    ],
    [
      { PARLEY_ANSWER_THRESHOLD: '0.3', PARLEY_SUGGEST_THRESHOLD: '0.6' },
      'PARLEY_SUGGEST_THRESHOLD: must not be above PARLEY_ANSWER_THRESHOLD (got "0.6")',
    ],
  ])('names the bad variable in %p', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([message]);
    }
  });
});
