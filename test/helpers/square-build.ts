import { join } from 'node:path';

/**
 * The build of writeSquareRows' dataset in `data` into `out`, as a build() config and as `gad-data build` arguments
 * (the same settings; `format` is image_format, which changes the shards' bytes; `quiet` adds -q to the arguments).
 */
export function squareBuild(p: { data: string; out: string; format?: 'png' | 'jpeg'; quiet?: boolean }) {
  const format = p.format ?? 'png';
  const train = join(p.data, 'train.jsonl');
  const config = {
    out: p.out,
    image_format: format,
    data: { train_files: [train], prompt_key: 'problem', image_dir: p.data },
  };
  const argv = ['build', '--out', p.out, '--train', train, '--prompt-key', 'problem', '--image-dir', p.data];
  argv.push('--image-format', format, ...(p.quiet ? ['-q'] : []));
  return { config, argv };
}
