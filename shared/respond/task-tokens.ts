/** Answers a waiting approval task. AWS: Step Functions SendTaskSuccess/Failure; locally the local runner. */
export interface TaskTokens {
  succeed(token: string, output: Record<string, unknown>): Promise<void>;
  fail(token: string, error: string, cause: string): Promise<void>;
}

/** The error name a rejected approval ends the task with; the state machine catches exactly this. */
export const APPROVAL_REJECTED = 'Vigil.ApprovalRejected';
