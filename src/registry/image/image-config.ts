// The config of an image built on a base (image-spec v1.1.0 config.md): the base's platform and run settings,
// rootfs.diff_ids = the base's then ours, and history with one entry per layer (non-empty entries must match
// the layers one for one). Keys are written in a fixed order so equal inputs give equal bytes and digests.
import type { ImageConfigJson } from './base-image.js';

/** One layer added on top of the base, as its history tells it. */
export interface AddedLayer {
  diffId: string;
  createdBy: string;
  comment?: string;
}

/** Run settings to change (config.md "config"); unset fields keep the base's value. */
export interface ConfigOverrides {
  User?: string;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Labels?: Record<string, string>;
  StopSignal?: string;
}

/** The new config as JSON text. `created` is an RFC 3339 time (pinned for reproducible digests). */
export function buildImageConfig(
  base: ImageConfigJson,
  added: readonly AddedLayer[],
  created: string,
  overrides: ConfigOverrides = {},
): string {
  // A base without history still gets one entry per layer, for tools that pair history with layers.
  const history = base.history ?? base.rootfs.diff_ids.map(() => ({ comment: 'base image layer' }));
  const labels = {
    ...((base.config?.Labels as Record<string, string> | undefined) ?? {}),
    ...(overrides.Labels ?? {}),
  };
  const config: Record<string, unknown> = { ...(base.config ?? {}), ...overrides };
  if (Object.keys(labels).length > 0) config.Labels = Object.fromEntries(Object.entries(labels).sort());
  const value: Record<string, unknown> = {
    created,
    architecture: base.architecture,
    ...(base.variant ? { variant: base.variant } : {}),
    os: base.os,
    ...(base['os.version'] ? { 'os.version': base['os.version'] } : {}),
    ...(base['os.features'] ? { 'os.features': base['os.features'] } : {}),
    config,
    rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids, ...added.map((l) => l.diffId)] },
    history: [
      ...history,
      ...added.map((l) => ({ created, created_by: l.createdBy, ...(l.comment ? { comment: l.comment } : {}) })),
    ],
  };
  return JSON.stringify(value);
}
