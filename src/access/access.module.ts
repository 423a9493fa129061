import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CryptoModule } from '../crypto/crypto.module';
import { EventsModule } from '../events/events.module';
import { TokensModule } from '../tokens/tokens.module';
import { ClientsModule } from '../clients/clients.module';
import { UsersModule } from '../users/users.module';
import { AccessDecisionService } from './engine/access-decision.service';
import { AccessPermissions } from './engine/access-permissions';
import { AccessState } from './engine/access-state';
import { AccessStateLoader } from './engine/access-state.loader';
import { DecisionLog } from './engine/decision-log.service';
import { DenialRecord } from './engine/denial-record';
import { OverviewController } from './overview/overview.controller';
import { ClientRoleEntity, RoleEntity, UserRoleEntity } from './roles/role.entities';
import { RolesController } from './roles/roles.controller';
import { RolesService } from './roles/roles.service';
import { AccessRuleEntity } from './rules/access-rule.entity';
import { AccessRulesController } from './rules/access-rules.controller';
import { AccessRulesService } from './rules/access-rules.service';
import { AuthzenController } from './surfaces/authzen.controller';
import { AuthzenSearchController } from './surfaces/authzen-search.controller';
import { AuthzenSearch } from './surfaces/authzen-search.service';
import { CheckRoute } from './surfaces/check.route';
import { ExplainController } from './surfaces/explain.controller';
import { GatewayRoute } from './surfaces/gateway.route';
import { AuthzenEvaluator } from './surfaces/authzen-evaluator.service';
import { DecisionExplainer } from './surfaces/decision-explainer.service';

/**
 * checkAccess (docs/access.md): roles, permissions and route rules, the in-memory decision engine
 * and its three surfaces. AccessPermissions implements the SubjectPermissions port that token
 * issuance asks; the composition root binds it (docs/architecture.md).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([RoleEntity, UserRoleEntity, ClientRoleEntity, AccessRuleEntity]),
    EventsModule,
    CryptoModule,
    TokensModule,
    ClientsModule,
    UsersModule,
  ],
  controllers: [
    RolesController,
    AccessRulesController,
    AuthzenController,
    AuthzenSearchController,
    ExplainController,
    OverviewController,
  ],
  providers: [
    // A factory, not a value: each application (two in one test process) has its own state.
    { provide: AccessState, useFactory: () => new AccessState() },
    AccessStateLoader,
    AccessDecisionService,
    DecisionLog,
    DenialRecord,
    RolesService,
    AccessRulesService,
    GatewayRoute,
    CheckRoute,
    AccessPermissions,
    AuthzenEvaluator,
    AuthzenSearch,
    DecisionExplainer,
  ],
  exports: [AccessPermissions, AccessDecisionService, RolesService],
})
export class AccessModule {}
