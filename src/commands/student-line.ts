/** The build summary's line on the student answers the input carried (manifest `student`: rejected_response.jsonl). */
import type { StudentSideFile } from '../core/types.js';

export function studentLine(student: StudentSideFile | undefined, out: string): string[] {
  if (!student) return [];
  const without = student.without ? `; ${student.without} written row(s) have none` : '';
  return [
    `Student answers: ${out}/${student.file}, ${student.rows} row(s), from ${student.from}${without} (export rm reads it when no --student is given).`,
  ];
}
