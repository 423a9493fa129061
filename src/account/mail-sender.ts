import { AppConfig } from '../config/app-config';
import { Sender } from '../mail/templates';

/** Who Gatehouse's mail says it is from: the product, and the issuer people sign in at. */
export function mailSender(config: AppConfig): Sender {
  return { product: config.mail.from.name ?? 'Gatehouse', issuer: config.issuer };
}
