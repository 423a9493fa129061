import { Injectable } from '@nestjs/common';
import { Subject, SubjectPermissions } from '../../common/auth/subject-permissions';
import { AccessState } from './access-state';
import { DecisionUnavailableError } from './decision';

/** The permissions a subject holds now, from the in-memory access state (for issuance). */
@Injectable()
export class AccessPermissions extends SubjectPermissions {
  constructor(private readonly state: AccessState) {
    super();
  }

  permissionsOf(subject: Subject): ReadonlySet<string> {
    if (!this.state.known) throw new DecisionUnavailableError();
    return this.state.permissionsOf(subject);
  }
}
