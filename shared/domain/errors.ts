/**
 * Errors the domain throws. Rows never throw (a bad cell is an issue in the row's outcome); these are for
 * callers that hand the domain something unusable, such as a workspace region that does not exist.
 */

/** Workspace settings the rules cannot work with (an unknown region or time zone). */
export class WorkspaceSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkspaceSettingsError';
  }
}
