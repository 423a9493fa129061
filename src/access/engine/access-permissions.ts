import { Injectable } from '@nestjs/common';
import { Subject, SubjectPermissions } from '../../common/auth/subject-permissions';
import { Ids } from '../../common/ids';
import { AccessState } from './access-state';
import { DecisionUnavailableError } from './decision';

/** The permissions a subject holds now, from the in-memory access state (for issuance). */
@Injectable()
export class AccessPermissions extends SubjectPermissions {
  constructor(
    private readonly state: AccessState,
    private readonly ids: Ids,
  ) {
    super();
  }

  permissionsOf(subject: Subject): ReadonlySet<string> {
    if (!this.state.known) throw new DecisionUnavailableError(this.ids.uuid());
    return this.state.permissionsOf(subject);
  }
}
