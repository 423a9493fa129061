/** RFC 9068 §2.2: `sub` is the client_id in a client's own token (client_credentials). */
export function isClientsOwnToken(token: { sub: string; clientId: string }): boolean {
  return token.sub === token.clientId;
}
