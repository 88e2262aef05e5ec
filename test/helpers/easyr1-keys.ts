/**
 * EasyR1's main.py merges the config file onto OmegaConf.structured(PPOConfig()), which rejects any key PPOConfig
 * does not have. The key tree of PPOConfig at a pinned EasyR1 commit is kept as data
 * (test/fixtures/easyr1/ppo-config-keys.json, written by scripts/easyr1-key-tree.py from EasyR1's dataclass
 * definitions); `rejectedKeys` lists what PPOConfig would refuse in a config.
 */
import { readFileSync } from 'node:fs';
import { packagePath } from '../../src/core/paths.js';

export interface KeyNode {
  dataclass?: string;
  keys?: Record<string, KeyNode>;
  type?: string;
  anyKeys?: boolean;
  auto?: boolean;
}
export const KEY_TREE = JSON.parse(
  readFileSync(packagePath('test', 'fixtures', 'easyr1', 'ppo-config-keys.json'), 'utf8'),
) as { commit: string; tree: KeyNode };

/** Keys of `config` that EasyR1's PPOConfig would reject (unknown, a mapping for a scalar) or computes itself (auto). */
export function rejectedKeys(config: Record<string, unknown>, node: KeyNode = KEY_TREE.tree, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(config)) {
    const key = prefix + k;
    const child = node.keys?.[k];
    if (!child) {
      out.push(`${key}: not a key of ${node.dataclass}`);
      continue;
    }
    if (child.auto) out.push(`${key}: computed by EasyR1 (init=False), not a setting`);
    const isMap = !!v && typeof v === 'object' && !Array.isArray(v);
    if (child.keys) {
      if (isMap) out.push(...rejectedKeys(v as Record<string, unknown>, child, `${key}.`));
      else if (v !== null) out.push(`${key}: ${child.dataclass} needs a mapping`);
    } else if (isMap && !child.anyKeys) out.push(`${key}: a mapping for ${child.type}`);
  }
  return out;
}
