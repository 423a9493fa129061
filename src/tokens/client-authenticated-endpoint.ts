// The decorator lives with client authentication (clients), where /par (authorization) reaches it.
export {
  ClientAuthenticatedEndpoint,
  ClientAuthenticatedEndpointDoc,
  OAuthErrorSchema,
} from '../clients/client-auth/client-authenticated-endpoint';
