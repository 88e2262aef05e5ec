/** What a Hub dataset holds: a revision resolved to its commit, and the files at that commit (network). */
import { datasetInfo, listFiles } from '@huggingface/hub';
import { GadError } from '../../core/errors.js';
import { hubError, mirrorError } from './hub-errors.js';
import { hubFetch, shownBytes } from './fetch.js';
import { COMMIT } from './names.js';
import type { ResolvedHubOptions } from './hub-options.js';
import { isObject } from '../../core/guards.js';

export interface RemoteFile {
  path: string;
  size: number;
  etag: string;
}

/** The fetch of one JSON answer: the API time-out, at most `hub.max_answer_mb`. */
function answerFetch(o: ResolvedHubOptions, what: string): typeof fetch {
  return hubFetch({
    o,
    kind: 'api',
    what,
    maxBytes: o.maxAnswerBytes,
    limit: 'hub.max_answer_mb',
    raise: `for a real answer that large, raise hub.max_answer_mb (now ${shownBytes(o.maxAnswerBytes)})`,
  });
}

/** Resolve a revision to its commit (network). */
export async function resolveCommit(repo: string, revision: string, o: ResolvedHubOptions): Promise<string> {
  if (COMMIT.test(revision)) return revision;
  let sha: unknown;
  try {
    const info = await datasetInfo({
      name: repo,
      revision,
      hubUrl: o.endpoint,
      accessToken: o.token,
      additionalFields: ['sha'],
      fetch: answerFetch(o, `the info of ${repo} at revision ${revision}`),
    });
    sha = isObject(info) ? info.sha : undefined;
  } catch (e) {
    throw hubError(`cannot resolve ${repo} at revision ${revision}`, e, o);
  }
  // the commit names the cache folder snapshots/<commit>: only a 40-hex commit id is accepted
  if (typeof sha !== 'string' || !COMMIT.test(sha)) {
    throw mirrorError(
      o,
      `${sha === undefined || sha === null ? 'no commit' : `'${String(sha).slice(0, 80)}' as the commit`} for ${repo} at revision ${revision} (a commit is 40 lowercase hex digits)`,
    );
  }
  return sha;
}

/** Every file of a repo at a commit (the listing `datasets` resolves data files against). */
export async function listRemoteFiles(repo: string, commit: string, o: ResolvedHubOptions): Promise<RemoteFile[]> {
  const out: RemoteFile[] = [];
  try {
    for await (const f of listFiles({
      repo: { type: 'dataset', name: repo },
      revision: commit,
      recursive: true,
      hubUrl: o.endpoint,
      accessToken: o.token,
      fetch: hubFetch({
        o,
        kind: 'api',
        what: `the file listing of ${repo}@${commit.slice(0, 8)}`,
        maxBytes: o.maxAnswerBytes,
        limit: `hub.max_answer_mb, for all its pages together`,
        raise: `for a real listing that large, raise hub.max_answer_mb (now ${shownBytes(o.maxAnswerBytes)})`,
        shared: true,
        maxPages: o.maxPages,
      }),
    })) {
      if (f.type !== 'file') continue;
      const etag = f.lfs?.oid ?? f.oid;
      if (!etag) throw new Error(`no oid for ${f.path}`);
      out.push({ path: f.path, size: f.lfs?.size ?? f.size, etag });
    }
  } catch (e) {
    if (e instanceof GadError) throw e;
    throw hubError(`cannot list the files of ${repo}@${commit.slice(0, 8)}`, e, o);
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
