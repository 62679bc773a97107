import { z } from 'zod';

/**
 * The format of the knowledge-base YAML files. This file is the single source of truth:
 * the loader validates against it, and later tooling (JSON Schema for editors) derives from it.
 */

const kebabId = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { message: 'must be kebab-case: lower-case letters, digits and single hyphens' });

export const linkSchema = z.object({
  title: z.string().trim().min(1, { message: 'must not be empty' }),
  url: z.string().url({ message: 'must be a full URL, e.g. https://www.example.gov.uk/page' }),
});

export const escalateSchema = z.enum(['none', 'offer', 'urgent']);
export const lookupSchema = z.enum(['bin-day']);

export const entrySchema = z.strictObject({
  id: kebabId,
  title: z.string().trim().min(1, { message: 'must not be empty' }),
  department: kebabId,
  questions: z
    .array(z.string().trim().min(1, { message: 'must not be empty' }))
    .min(4, { message: 'expected at least 4 items' }),
  answer: z.string().trim().min(1, { message: 'must not be empty' }),
  links: z.array(linkSchema).default([]),
  keywords: z.array(z.string().trim().min(1)).default([]),
  related: z.array(kebabId).default([]),
  escalate: escalateSchema.default('none'),
  lookup: lookupSchema.optional(),
});

export const entryFileSchema = z.strictObject({
  area: z.string().trim().min(1, { message: 'must not be empty' }),
  entries: z.array(entrySchema).min(1, { message: 'expected at least 1 entry' }),
});

const hoursPattern = /^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const openingTimes = z
  .string()
  .regex(hoursPattern, { message: 'expected opening times like "08:30-17:00"' })
  // Overnight hours would make a department look closed all day: say so instead.
  .refine((t) => minutesOf(t.slice(6)) > minutesOf(t), { message: 'must close after it opens (same day)' });

export const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof weekdays)[number];

export const departmentSchema = z.strictObject({
  id: kebabId,
  name: z.string().trim().min(1),
  phone: z.string().trim().min(1),
  email: z.string().email({ message: 'must be an email address' }),
  /** Days left out are closed. */
  hours: z.strictObject(Object.fromEntries(weekdays.map((d) => [d, openingTimes.optional()])) as Record<Weekday, z.ZodOptional<typeof openingTimes>>),
  outOfHours: z.string().trim().min(1).optional(),
});

export const departmentsFileSchema = z.strictObject({
  departments: z.array(departmentSchema).min(1),
});

export const synonymsFileSchema = z.strictObject({
  synonyms: z.array(
    z.strictObject({
      term: z.string().trim().min(1),
      variants: z.array(z.string().trim().min(1)).min(1, { message: 'expected at least 1 variant' }),
    }),
  ),
});

const isoDatePattern = /^\d{4}-\d{2}-\d{2}$/;
const isoDate = z.string().regex(isoDatePattern, { message: 'expected a date like 2026-12-25' });
/** A date that exists on the calendar: a holiday on 2026-02-30 would silently never close anything. */
export const calendarDate = isoDate.refine(
  (d) => {
    // A wrong shape is already reported by the pattern; say one thing at a time.
    if (!isoDatePattern.test(d)) return true;
    const day = new Date(`${d}T00:00:00Z`);
    // Date rolls 2026-02-30 over to 2 March rather than failing, so compare the round trip.
    return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(d);
  },
  { message: 'not a date on the calendar' },
);
export const bankHolidaySchema = z.strictObject({ date: calendarDate, name: z.string().trim().min(1) });
export const bankHolidaysFileSchema = z.strictObject({
  changes: z
    .array(z.strictObject({ from: calendarDate, to: calendarDate, reason: z.string().trim().min(1) }))
    .superRefine((list, ctx) => {
      // One collection day can only move to one place.
      const seen = new Set<string>();
      list.forEach((c, i) => {
        if (seen.has(c.from)) ctx.addIssue({ code: 'custom', path: [i, 'from'], message: `${c.from} is already moved by an earlier change` });
        seen.add(c.from);
      });
    }),
  /** The days the council is closed; offices and departments use them for opening hours. */
  holidays: z
    .array(bankHolidaySchema)
    .superRefine((list, ctx) => {
      // Two names for one day would make "closed for …" ambiguous; the second one is the mistake.
      const seen = new Set<string>();
      list.forEach((h, i) => {
        if (seen.has(h.date)) ctx.addIssue({ code: 'custom', path: [i, 'date'], message: `duplicate holiday on ${h.date}` });
        seen.add(h.date);
      });
    })
    .default([]),
});

export type Link = z.infer<typeof linkSchema>;
export type Entry = z.infer<typeof entrySchema>;
export type EntryFile = z.infer<typeof entryFileSchema>;
export type Department = z.infer<typeof departmentSchema>;
export type Synonym = z.infer<typeof synonymsFileSchema>['synonyms'][number];
export type BankHolidayChange = z.infer<typeof bankHolidaysFileSchema>['changes'][number];
export type BankHoliday = z.infer<typeof bankHolidaySchema>;
