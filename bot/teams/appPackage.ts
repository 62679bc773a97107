import fs from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { z } from 'zod';
import { ICON_FILES } from './icons';

/**
 * The Teams app package: manifest.json filled in from the settings, and the two icons, flat at
 * the root of a zip (Teams rejects a package whose files sit in a folder). The manifest is
 * checked against the rules of the v1.17 schema that Teams enforces on upload, so a mistake
 * shows here, naming the field, rather than as "invalid package" in the Teams client.
 */

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
const httpsUrl = z.string().max(2048).regex(/^https:\/\//i, 'must start with https://');
const scope = z.enum(['personal', 'team', 'groupChat']);

/** The parts of the v1.17 schema this manifest uses, with its limits. */
export const teamsManifestSchema = z.object({
  $schema: z.string().url(),
  manifestVersion: z.literal('1.17'),
  version: z.string().regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/, 'must be a version like 1.0.0'),
  id: z.string().regex(GUID, 'must be a GUID (the Azure Bot’s Microsoft App ID)'),
  developer: z.object({ name: z.string().min(1).max(32), websiteUrl: httpsUrl, privacyUrl: httpsUrl, termsOfUseUrl: httpsUrl }),
  name: z.object({ short: z.string().min(1).max(30), full: z.string().min(1).max(100) }),
  description: z.object({ short: z.string().min(1).max(80), full: z.string().min(1).max(4000) }),
  icons: z.object({ color: z.literal(ICON_FILES.color), outline: z.literal(ICON_FILES.outline) }),
  accentColor: z.string().regex(/^#[0-9a-fA-F]{6}$/),
  bots: z
    .array(
      z.object({
        botId: z.string().regex(GUID, 'must be a GUID (the Azure Bot’s Microsoft App ID)'),
        scopes: z.array(scope).min(1).max(3),
        supportsFiles: z.boolean().optional(),
        isNotificationOnly: z.boolean().optional(),
        commandLists: z
          .array(z.object({ scopes: z.array(scope).max(3), commands: z.array(z.object({ title: z.string().max(32), description: z.string().max(128) })).max(10) }))
          .max(3)
          .optional(),
      }),
    )
    .length(1),
  // Host names only: Teams refuses a scheme or path here.
  validDomains: z.array(z.string().min(1).max(2048).regex(/^[^/:]+(:\d+)?$/, 'must be a host name, without https:// or a path')).max(16),
});

export type TeamsManifest = z.infer<typeof teamsManifestSchema>;

export class TeamsPackageError extends Error {
  constructor(readonly problems: string[]) {
    super(`Cannot build the Teams app package:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'TeamsPackageError';
  }
}

export interface ManifestValues {
  MicrosoftAppId: string;
  Version: string;
  CouncilName: string;
  WebsiteUrl: string;
  PrivacyUrl: string;
  TermsUrl: string;
  /** The host officers and residents reach Parley at (config.publicUrl without scheme). */
  PublicHost: string;
}

const PLACEHOLDER = /\{\{(\w+)\}\}/g;

/**
 * Fills {{Name}} placeholders in the template's string values. Done on the parsed JSON, not the
 * text, so a council name with quotes cannot break the file; an unknown placeholder is an error.
 */
export function fillManifest(template: unknown, values: ManifestValues): unknown {
  const unknown = new Set<string>();
  const fill = (node: unknown): unknown => {
    if (typeof node === 'string')
      return node.replace(PLACEHOLDER, (whole, name: string) => {
        if (Object.hasOwn(values, name)) return values[name as keyof ManifestValues];
        unknown.add(name);
        return whole;
      });
    if (Array.isArray(node)) return node.map(fill);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, fill(v)]));
    return node;
  };
  const filled = fill(template);
  if (unknown.size) throw new TeamsPackageError([...unknown].map((n) => `manifest.json: unknown placeholder {{${n}}}`));
  return filled;
}

export function validateManifest(manifest: unknown): TeamsManifest {
  const parsed = teamsManifestSchema.safeParse(manifest);
  if (!parsed.success) {
    throw new TeamsPackageError(parsed.error.issues.map((i) => `manifest.json ${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return parsed.data;
}

export interface PackageSettings {
  MicrosoftAppId: string;
  councilName: string;
  websiteUrl: string;
  privacyUrl: string;
  termsUrl: string;
  publicUrl: string;
  /** The app's version (package.json's); Teams wants it raised for each update. */
  version: string;
}

export function manifestValues(s: PackageSettings): ManifestValues {
  if (!s.MicrosoftAppId) {
    throw new TeamsPackageError([
      'MicrosoftAppId is not set. Teams identifies the app and its bot by the Azure Bot’s Microsoft App ID: set MicrosoftAppId (in .env or the environment) and run npm run teams:package again. See bot/teams/README.md.',
    ]);
  }
  return {
    MicrosoftAppId: s.MicrosoftAppId,
    Version: s.version,
    CouncilName: s.councilName,
    WebsiteUrl: s.websiteUrl,
    PrivacyUrl: s.privacyUrl,
    TermsUrl: s.termsUrl,
    PublicHost: new URL(s.publicUrl).host,
  };
}

/** Reads the template and icons from `dir` (bot/teams), returns the zip and the manifest in it. */
export async function buildTeamsPackage(settings: PackageSettings, dir: string): Promise<{ zip: Buffer; manifest: TeamsManifest }> {
  const values = manifestValues(settings);
  const template = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as unknown;
  const manifest = validateManifest(fillManifest(template, values));
  const zip = new JSZip();
  zip.file('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
  for (const file of [manifest.icons.color, manifest.icons.outline]) zip.file(file, fs.readFileSync(path.join(dir, file)));
  return { zip: await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }), manifest };
}
