// The form guard lives with client authentication (clients), where /par (authorization) reaches it.
export { TokenRequestGuard } from '../clients/client-auth/form-request.guard';
