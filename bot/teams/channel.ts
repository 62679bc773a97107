import { z } from 'zod';

/**
 * The Teams channel duty officers watch, as PARLEY_TEAMS_ESCALATION_CHANNEL gives it: the three
 * parts of a conversation reference the bot needs to post there first. Teams shows them in any
 * activity from that channel (`serviceUrl`, `conversation.id`, `conversation.tenantId`), so the
 * easiest way to find them is to @mention the bot in the channel once and read the log.
 */
export const teamsChannelSchema = z.object({
  serviceUrl: z.string().url(),
  /** The channel's id, e.g. 19:…@thread.tacv2. */
  conversationId: z.string().min(1),
  tenantId: z.string().min(1),
});

export type TeamsChannel = z.infer<typeof teamsChannelSchema>;

/** The environment holds it as JSON; a bad value is a config error, not a crash at first use. */
export const teamsChannelSetting = z
  .string()
  .transform((raw, ctx) => {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not JSON: expected {"serviceUrl": …, "conversationId": …, "tenantId": …}' });
      return z.NEVER;
    }
  })
  .pipe(teamsChannelSchema);
