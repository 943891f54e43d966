import PDFDocument from 'pdfkit';
import type { Statement } from './statement.js';

type Doc = InstanceType<typeof PDFDocument>;

/** A table of text rows at fixed column offsets; a new page when the page is full. */
function table(doc: Doc, title: string, columns: { label: string; x: number; align?: 'right' }[], rows: string[][]): void {
  doc.moveDown().font('Helvetica-Bold').fontSize(12).text(title, 50);
  if (rows.length === 0) {
    doc.font('Helvetica').fontSize(9).text('None in this period.', 50);
    return;
  }
  const line = (cells: string[], font: string) => {
    if (doc.y > doc.page.height - 80) doc.addPage();
    const y = doc.y;
    doc.font(font).fontSize(9);
    columns.forEach((c, i) => {
      const next = columns[i + 1]?.x ?? 545;
      doc.text(cells[i] ?? '', c.x, y, { width: next - c.x - 6, align: c.align ?? 'left', lineBreak: false });
    });
    doc.x = 50;
    doc.y = y + 14;
  };
  line(
    columns.map((c) => c.label),
    'Helvetica-Bold',
  );
  for (const r of rows) line(r, 'Helvetica');
}

/**
 * The statement as a PDF (pdfkit, its built-in Helvetica): the same figures
 * as the JSON, as printed text. Its metadata dates are the statement's own,
 * so the same statement renders to the same bytes.
 */
export function statementPdf(s: Statement): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: `Statement ${s.accountId} ${s.period}`, Creator: 'Burndown', CreationDate: new Date(s.generatedAt) },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font('Helvetica-Bold').fontSize(18).text(`Statement ${s.period}`);
  doc.font('Helvetica').fontSize(10).text(`${s.accountName} (${s.accountId})`);
  doc.text(`${s.from} to ${s.to}${s.complete ? '' : ` (so far, as of ${s.generatedAt})`}`);

  const right = 'right' as const;
  const amounts = ['Opening', '+ Granted', '- Burned', '- Expired', '+ Refunded', '- Voided', 'Closing'];
  table(
    doc,
    'Balances',
    [{ label: 'Credit type', x: 50 }, ...amounts.map((label, i) => ({ label, x: 150 + i * 57, align: right }))],
    s.creditTypes.map((c) => [c.creditType, c.opening, c.granted, c.burned, c.expired, c.refunded, c.voided, c.closing]),
  );
  table(
    doc,
    'Grants issued',
    [
      { label: 'Issued', x: 50 },
      { label: 'Grant', x: 170 },
      { label: 'Source', x: 350 },
      { label: 'Amount', x: 420, align: right },
    ],
    s.grantsIssued.map((g) => [g.issuedAt, g.id, g.source, `${g.amount} ${g.creditType}`]),
  );
  table(
    doc,
    'Grants expired',
    [
      { label: 'Expired', x: 50 },
      { label: 'Grant', x: 170 },
      { label: 'Source', x: 350 },
      { label: 'Amount', x: 420, align: right },
    ],
    s.grantsExpired.map((g) => [g.expiredAt, g.id, g.source, `${g.expired} ${g.creditType}`]),
  );
  table(
    doc,
    'Usage by feature',
    [
      { label: 'Feature', x: 50 },
      { label: 'Credit type', x: 220 },
      { label: 'Burned', x: 300, align: right },
      { label: 'Refunded', x: 380, align: right },
      { label: 'Net', x: 460, align: right },
    ],
    s.burnByFeature.map((b) => [b.feature ?? '(no feature)', b.creditType, b.burned, b.refunded, b.net]),
  );
  table(
    doc,
    'Purchases',
    [
      { label: 'Purchased', x: 50 },
      { label: 'Credits', x: 170 },
      { label: 'Reference', x: 290 },
      { label: 'Price', x: 430, align: right },
    ],
    [
      ...s.purchases.map((p) => [
        p.purchasedAt,
        `${p.credits} ${p.creditType}`,
        p.reference ?? p.grantId,
        `${p.price.amount} ${p.price.currency}`,
      ]),
      ...s.purchaseTotals.map((t) => ['Total', '', '', `${t.amount} ${t.currency}`]),
    ],
  );
  table(
    doc,
    `Not billed: usage events older than ${s.notBilled.lateEventWindowDays} days when received (${s.notBilled.total} this month)`,
    [
      { label: 'Received', x: 50 },
      { label: 'Event', x: 170 },
      { label: 'Feature', x: 330 },
      { label: 'Event time', x: 420 },
    ],
    s.notBilled.events.map((e) => [e.receivedAt, e.eventId, e.feature, e.eventTime]),
  );
  doc.end();
  return done;
}
