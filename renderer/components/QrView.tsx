import { useEffect, useMemo, useState } from 'react';
import QRCode from 'qrcode';
import { qrTexts } from '../../shared/codes/qr-parts.ts';
import { Notice } from './Notice.tsx';

/** Pixels per QR module: whole pixels, so a screen or a screenshot shows every module sharp. */
const SCALE = { normal: 3, large: 6 } as const;

interface Image {
  readonly url: string;
  readonly size: number;
}

/** Smallest side of a drawn QR code (CSS pixels): a short code's few modules are drawn larger. */
const MIN_SIDE = 180;

async function render(text: string, baseScale: number): Promise<Image> {
  const modules = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules.size + 8;
  const scale = Math.max(baseScale, Math.ceil(((MIN_SIDE / SCALE.normal) * baseScale) / modules));
  const url = await QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 4, scale });
  return { url, size: modules * scale };
}

function partsOf(code: string): string[] | null {
  try {
    return qrTexts(code);
  } catch {
    return null;
  }
}

/**
 * A code as QR: one symbol when it fits, else a numbered sequence ("Part 2 of 4") each carrying its index,
 * the count and a check of the whole code, stepped through with Previous and Next; Enlarge doubles it.
 */
export function QrView({ code, title }: { code: string; title: string }) {
  const texts = useMemo(() => partsOf(code), [code]);
  const [index, setIndex] = useState(0);
  const [large, setLarge] = useState(false);
  const [image, setImage] = useState<Image | null>(null);
  const text = texts?.[Math.min(index, texts.length - 1)];
  useEffect(() => {
    setImage(null);
    if (text === undefined) return;
    let live = true;
    render(text, large ? SCALE.large : SCALE.normal).then(
      (img) => live && setImage(img),
      () => live && setImage(null),
    );
    return () => {
      live = false;
    };
  }, [text, large]);
  if (!texts) return <Notice kind="info">This code is too long for QR codes: carry it as a file.</Notice>;
  const count = texts.length;
  const part = Math.min(index, count - 1) + 1;
  const alt = count === 1 ? `QR code of the ${title.toLowerCase()}` : `QR code ${part} of ${count} of the ${title.toLowerCase()}`;
  return (
    <div className={large ? 'qr-view qr-large' : 'qr-view'}>
      {count > 1 && (
        <p className="qr-part" aria-live="polite">
          <strong>
            Part {part} of {count}
          </strong>{' '}
          — scan every part, in any order.
        </p>
      )}
      {image && <img className="qr" src={image.url} width={image.size} height={image.size} alt={alt} data-part={part} />}
      <div className="actions">
        {count > 1 && (
          <>
            <button type="button" disabled={part === 1} onClick={() => setIndex(part - 2)}>
              Previous part
            </button>
            <button type="button" disabled={part === count} onClick={() => setIndex(part)}>
              Next part
            </button>
          </>
        )}
        <button type="button" aria-pressed={large} onClick={() => setLarge(!large)}>
          {large ? 'Smaller' : 'Enlarge'}
        </button>
      </div>
    </div>
  );
}
