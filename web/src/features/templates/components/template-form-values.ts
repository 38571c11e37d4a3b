export type Channel = 'alimtalk' | 'sms' | 'lms' | 'email';

export interface TemplateFormValues {
  name: string;
  channel: Channel;
  subject: string;
  body: string;
  buttons: { name: string; mobile_url: string; pc_url: string }[];
  provider_template_code: string;
  sender_key: string;
  fallback_text: string;
  fallback_subject: string;
  advertisement: boolean;
}

export const templateFields = [
  'name', 'channel', 'subject', 'body', 'buttons', 'provider_template_code', 'sender_key',
  'fallback_text', 'fallback_subject', 'advertisement', 'variables',
] as const;
