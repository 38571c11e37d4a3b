import { Badge, Group, Progress, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ALIMTALK_MAX_CHARS, LMS_MAX_BYTES, SMS_MAX_BYTES, chars, smsBytes, smsKind } from '../lib/text';

/** ByteCounter shows how the text will be counted: EUC-KR bytes for SMS/LMS (an
 * SMS over 90 bytes goes as LMS, up to 2,000), characters for AlimTalk. */
export function ByteCounter({ text, channel, label }: { text: string; channel: string; label: string }) {
  const { t } = useTranslation();
  if (channel === 'email') return null;
  if (channel === 'alimtalk') {
    const n = chars(text);
    return (
      <Group gap="xs" aria-label={label} role="status">
        <Text size="xs" c={n > ALIMTALK_MAX_CHARS ? 'red' : 'dimmed'}>
          {t('templates.counter.charsOf', { n, max: ALIMTALK_MAX_CHARS })}
        </Text>
      </Group>
    );
  }
  const bytes = smsBytes(text);
  const kind = channel === 'lms' ? 'lms' : smsKind(bytes);
  const max = kind === 'sms' ? SMS_MAX_BYTES : LMS_MAX_BYTES;
  return (
    <Stack gap={4} aria-label={label} role="status">
      <Group gap="xs">
        <Badge size="sm" color={kind === 'sms' ? 'blue' : 'grape'} variant="light">{t(`templates.channels.${kind}`)}</Badge>
        <Text size="xs" c={bytes > LMS_MAX_BYTES ? 'red' : 'dimmed'}>{t('templates.counter.bytesOf', { n: bytes, max })}</Text>
        {channel === 'sms' && kind === 'lms' && <Text size="xs" c="grape">{t('templates.counter.becomesLms')}</Text>}
      </Group>
      <Progress value={Math.min(100, (bytes / max) * 100)} size="xs" color={bytes > max ? 'red' : kind === 'sms' ? 'blue' : 'grape'} aria-hidden />
    </Stack>
  );
}
