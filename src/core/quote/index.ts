/**
 * Quoting for each consumer of what gad-data generates: a POSIX shell word and comment line, a quoted
 * here-document, a `#SBATCH` option value and a Slurm file name pattern, an OmegaConf string, a Kubernetes name.
 * YAML is written with the `yaml` library (never by pasting text). Every value that reaches a script, a scheduler
 * or a config file goes through one of these, or is refused when the consumer cannot represent it.
 */
export { shellWord, commentText } from './shell.js';
export { heredoc, heredocTag } from './heredoc.js';
export { sbatchValue, sbatchLine, slurmLiteral } from './sbatch.js';
export { omegaLiteral, omegaLiterals, omegaCliValue, omegaRead } from './omegaconf.js';
export { k8sName, k8sNameSuggestion } from './k8s.js';
export { yamlText } from './yaml.js';
