import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import JSZip from 'jszip';
import { ConfigError, loadConfig } from '../../../bot/config';
import { buildTeamsPackage, fillManifest, manifestValues, TeamsPackageError, type PackageSettings } from '../../../bot/teams/appPackage';
import { drawColorIcon, drawOutlineIcon } from '../../../bot/teams/icons';
import { tempDir } from '../../tempDb';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const TEAMS_DIR = path.join(ROOT, 'bot', 'teams');
const APP_ID = '0c7e1f8a-3b52-4d6e-9a41-5f2b8c9d0e17';

/** Runs `npm run teams:package` as a council would, with these settings in the environment. */
function teamsPackage(env: Record<string, string>, out: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'teams:package', '--', '--out', out],
      // Empty values count as unset, so this also hides any MicrosoftAppId the test run itself has.
      { cwd: ROOT, env: { ...process.env, MicrosoftAppId: '', DOTENV_CONFIG_QUIET: 'true', ...env } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Width, height, bit depth and colour type from a PNG's IHDR chunk. */
function pngHeader(png: Buffer) {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.toString('ascii', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), bitDepth: png[24], colourType: png[25] };
}

/** RGBA pixels of an 8-bit RGBA PNG whose rows are unfiltered, as icons.ts writes them. */
function pngPixels(png: Buffer): Uint8Array {
  const { width, height } = pngHeader(png);
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString('ascii', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0);
    rgba.set(raw.subarray(y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1)), y * width * 4);
  }
  return rgba;
}

describe('npm run teams:package', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('parley-teams-package-');
  });

  it('zips the filled-in manifest and both icons, flat at the root', async () => {
    const out = path.join(dir, 'parley-teams.zip');
    const run = await teamsPackage(
      { MicrosoftAppId: APP_ID, PARLEY_TEAMS_COUNCIL_NAME: 'Testshire "County" Council', PARLEY_PUBLIC_URL: 'https://chat.testshire.example/' },
      out,
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(`Wrote ${out}`);

    const zip = await JSZip.loadAsync(fs.readFileSync(out));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const text = await zip.file('manifest.json')!.async('string');
    expect(text).not.toContain('{{');
    const manifest = JSON.parse(text);
    expect(manifest).toMatchObject({
      manifestVersion: '1.17',
      id: APP_ID,
      version: JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version,
      developer: { name: 'Testshire "County" Council', websiteUrl: 'https://www.brackenford.example/' },
      name: { short: 'Ask the council', full: 'Ask Testshire "County" Council' },
      icons: { color: 'color.png', outline: 'outline.png' },
      validDomains: ['chat.testshire.example'],
    });
    expect(manifest.bots).toEqual([expect.objectContaining({ botId: APP_ID, scopes: ['personal', 'team', 'groupChat'] })]);

    const color = await zip.file('color.png')!.async('nodebuffer');
    const outline = await zip.file('outline.png')!.async('nodebuffer');
    expect(pngHeader(color)).toEqual({ width: 192, height: 192, bitDepth: 8, colourType: 6 });
    expect(pngHeader(outline)).toEqual({ width: 32, height: 32, bitDepth: 8, colourType: 6 });
  });

  it('stops with a clear message, and writes nothing, without a MicrosoftAppId', async () => {
    const out = path.join(dir, 'parley-teams.zip');
    const run = await teamsPackage({}, out);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('MicrosoftAppId is not set');
    expect(run.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(fs.existsSync(out)).toBe(false);
  });

  it('names the field when the app id is not a GUID', async () => {
    const run = await teamsPackage({ MicrosoftAppId: 'parley-bot', PARLEY_PUBLIC_URL: 'https://chat.testshire.example' }, path.join(dir, 'x.zip'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('manifest.json id: must be a GUID');
    expect(run.stderr).toContain('manifest.json bots.0.botId: must be a GUID');
  });
});

describe('the Teams app package', () => {
  const settings: PackageSettings = {
    MicrosoftAppId: APP_ID,
    councilName: 'Brackenford Borough Council',
    websiteUrl: 'https://www.brackenford.example/',
    privacyUrl: 'https://www.brackenford.example/privacy',
    termsUrl: 'https://www.brackenford.example/terms',
    publicUrl: 'https://chat.brackenford.example',
    version: '1.2.3',
  };

  it('refuses pages Teams would refuse (http), naming each', async () => {
    await expect(buildTeamsPackage({ ...settings, privacyUrl: 'http://www.brackenford.example/privacy' }, TEAMS_DIR)).rejects.toThrow(
      'manifest.json developer.privacyUrl: must start with https://',
    );
  });

  it('refuses a placeholder it has no value for', () => {
    const values = manifestValues(settings);
    expect(fillManifest({ name: { full: 'Ask {{CouncilName}}' } }, values)).toEqual({ name: { full: 'Ask Brackenford Borough Council' } });
    expect(() => fillManifest({ name: '{{CouncilNmae}}' }, values)).toThrow(TeamsPackageError);
    expect(() => fillManifest({ name: '{{CouncilNmae}}' }, values)).toThrow('manifest.json: unknown placeholder {{CouncilNmae}}');
  });

  it('ships the icons icons.ts draws: colour fills its square, the outline is white on transparent', () => {
    const color = pngPixels(fs.readFileSync(path.join(TEAMS_DIR, 'color.png')));
    const outline = pngPixels(fs.readFileSync(path.join(TEAMS_DIR, 'outline.png')));
    expect(color).toEqual(drawColorIcon().rgba);
    expect(outline).toEqual(drawOutlineIcon().rgba);

    const alphas = (rgba: Uint8Array) => rgba.filter((_, i) => i % 4 === 3);
    expect(alphas(color).every((a) => a === 255)).toBe(true);
    let opaque = 0;
    let transparent = 0;
    let notWhite = 0;
    for (let i = 0; i < outline.length; i += 4) {
      const [r, g, b, a] = outline.subarray(i, i + 4);
      if (a === 0) transparent++;
      else if (r !== 255 || g !== 255 || b !== 255) notWhite++;
      if (a === 255) opaque++;
    }
    expect(notWhite).toBe(0);
    // A drawing, not an empty or a filled square.
    expect(opaque).toBeGreaterThan(100);
    expect(transparent).toBeGreaterThan(300);
    expect(outline.subarray(0, 4)).toEqual(new Uint8Array([0, 0, 0, 0]));
  });
});

describe('Teams settings', () => {
  const channel = { serviceUrl: 'https://smba.trafficmanager.net/uk/', conversationId: '19:duty@thread.tacv2', tenantId: 'b0b1e3c2-0000-4000-8000-000000000001' };

  it('reads the escalation channel from JSON, and is off when unset', () => {
    expect(loadConfig({ PARLEY_TEAMS_ESCALATION_CHANNEL: JSON.stringify(channel) }).PARLEY_TEAMS_ESCALATION_CHANNEL).toEqual(channel);
    expect(loadConfig({}).PARLEY_TEAMS_ESCALATION_CHANNEL).toBeUndefined();
  });

  it.each([
    ['not JSON', '19:duty@thread.tacv2', /^PARLEY_TEAMS_ESCALATION_CHANNEL: is not JSON/],
    ['without a tenant', JSON.stringify({ ...channel, tenantId: undefined }), /^PARLEY_TEAMS_ESCALATION_CHANNEL\.tenantId: /],
    ['with a bad serviceUrl', JSON.stringify({ ...channel, serviceUrl: 'teams' }), /^PARLEY_TEAMS_ESCALATION_CHANNEL\.serviceUrl: /],
  ])('names the problem with a channel %s', (_what, value, message) => {
    try {
      loadConfig({ PARLEY_TEAMS_ESCALATION_CHANNEL: value });
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([expect.stringMatching(message)]);
    }
  });

  it('keeps the council name within what Teams shows', () => {
    expect(() => loadConfig({ PARLEY_TEAMS_COUNCIL_NAME: 'The Royal Borough of Somewhere Rather Long' })).toThrow(/PARLEY_TEAMS_COUNCIL_NAME: Too big/);
  });
});
