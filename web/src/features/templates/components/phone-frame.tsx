import { Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '@/lib/api';
import './phone-frame.css';

type Preview = Schemas['Preview'];

/** PhoneFrame draws what POST /templates/{id}/preview answered: a KakaoTalk
 * bubble with its buttons for AlimTalk, a text-message bubble otherwise. */
export function PhoneFrame({ preview, sender }: { preview: Preview; sender: string }) {
  const { t } = useTranslation();
  const kakao = preview.channel === 'alimtalk';
  return (
    <figure className="phone" data-channel={preview.channel} aria-label={t('templates.preview.frame')}>
      <span className="phone-sender">{sender}</span>
      <div className={kakao ? 'bubble' : 'bubble bubble-sms'} role="group" aria-label={t('templates.preview.message')}>
        {kakao && <div className="bubble-kakao-head">{t('templates.preview.kakaoHead')}</div>}
        {preview.subject && <div className="bubble-subject">{preview.subject}</div>}
        {preview.body}
        {kakao &&
          (preview.buttons ?? []).map((b, i) => (
            <div key={i} className="bubble-button" title={b.mobile_url}>
              {b.name}
            </div>
          ))}
      </div>
      <Text size="xs" c="dimmed">
        {t(`templates.channels.${preview.channel}`)}
        {preview.channel === 'email' && ` · ${t(preview.html ? 'templates.preview.html' : 'templates.preview.plain')}`} ·{' '}
        {t('templates.counter.bytes', { n: preview.bytes })} · {t('templates.counter.chars', { n: preview.characters })}
      </Text>
      {preview.fallback && (
        <>
          <Text size="xs" fw={600}>{t('templates.preview.fallback', { channel: t(`templates.channels.${preview.fallback.channel}`) })}</Text>
          <div className="bubble bubble-sms" role="group" aria-label={t('templates.preview.fallbackMessage')}>
            {preview.fallback.subject && <div className="bubble-subject">{preview.fallback.subject}</div>}
            {preview.fallback.body}
          </div>
        </>
      )}
    </figure>
  );
}
