/**
 * npm run teams:package [-- --out FILE]
 *
 * Builds the Microsoft Teams app package (default dist/teams/parley-teams.zip) from
 * bot/teams/manifest.json, the settings (MicrosoftAppId, PARLEY_TEAMS_*, PARLEY_PUBLIC_URL)
 * and the two icons, ready for Teams → Apps → Manage your apps → Upload an app.
 */
import 'dotenv/config';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../bot/config';
import { buildTeamsPackage, TeamsPackageError } from '../bot/teams/appPackage';
import { projectRoot } from '../knowledge/projectRoot';

async function main(): Promise<void> {
  const root = projectRoot(__dirname);
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const out = path.resolve(values.out ?? path.join(root, 'dist', 'teams', 'parley-teams.zip'));
  const config = loadConfig();
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  const { zip, manifest } = await buildTeamsPackage(
    {
      MicrosoftAppId: config.MicrosoftAppId,
      councilName: config.PARLEY_TEAMS_COUNCIL_NAME,
      websiteUrl: config.PARLEY_TEAMS_WEBSITE_URL,
      privacyUrl: config.PARLEY_TEAMS_PRIVACY_URL,
      termsUrl: config.PARLEY_TEAMS_TERMS_URL,
      publicUrl: config.publicUrl,
      version,
    },
    path.join(root, 'bot', 'teams'),
  );
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, zip);
  console.info(`Wrote ${out} (${manifest.name.full}, version ${manifest.version}, app id ${manifest.id}).`);
  if (!config.publicUrl.startsWith('https://')) {
    console.warn(`Note: PARLEY_PUBLIC_URL is ${config.publicUrl}. Officers in Teams follow card links there, so set it to Parley's public https address.`);
  }
  console.info('Upload it in Teams: Apps → Manage your apps → Upload an app. See bot/teams/README.md.');
}

main().catch((err: unknown) => {
  // Problems a council can fix (settings, a missing app id) print their own message; anything else, the stack.
  const readable = err instanceof ConfigError || err instanceof TeamsPackageError;
  console.error(readable ? (err as Error).message : err);
  process.exit(1);
});
