/**
 * Kubernetes object names (RFC 1123 labels: lower-case letters, digits and `-`, starting and ending with a letter or
 * digit, at most 63 characters — a Job's name also becomes its pods' `job-name` label). A name that is not one is
 * refused with a valid suggestion, never changed silently.
 */
import { GadError } from '../errors.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1123 subdomain (labels joined by `.`): what a PersistentVolumeClaim name may be. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A valid name near `name` (lower case, other characters as `-`), for the error's fix. */
export function k8sNameSuggestion(name: string, max = 63): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/, '');
  return s || 'gad-data';
}

/**
 * `name` when it is a valid Kubernetes name of at most `max` characters (`subdomain`: dots allowed, as in a PVC
 * name); else a GadError naming a valid one.
 */
export function k8sName(name: string, what: string, max = 63, subdomain = false): string {
  if (name.length <= max && (subdomain ? DNS_SUBDOMAIN : DNS_LABEL).test(name)) return name;
  throw new GadError(
    `${what} ${JSON.stringify(name)} is not a valid Kubernetes name (lower-case letters, digits and '-', starting and ending with a letter or digit, at most ${max} characters)`,
    { hint: `e.g. ${k8sNameSuggestion(name, max)}`, exitCode: 2 },
  );
}
