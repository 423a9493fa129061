import { Module } from '@nestjs/common';
import { Mailer } from './mailer.service';

/** Outgoing mail over SMTP_URL, or to the log (docs/account.md). */
@Module({ providers: [Mailer], exports: [Mailer] })
export class MailModule {}
