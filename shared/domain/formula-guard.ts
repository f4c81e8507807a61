/**
 * The formula-injection guard of every CSV the product writes — `failures.csv`, `warnings.csv` and the CSV
 * export (RULES §7) — and its removal on import, so that each of them re-imports as is.
 *
 * A cell a spreadsheet would run as a formula gets a leading `'`. The leads are `=`, `+`, `-`, `@`, tab and
 * CR, and the full-width `＝`, `＋`, `－`, `＠` that Chinese and Japanese input methods type (spreadsheets
 * with East Asian settings read them as formula leads too). A cell that already starts with `'` before such a
 * lead gets one more, so that taking one `'` off always gives back the value: the round trip is exact for
 * every text, and the importer can take the guard off in any file.
 */

const FORMULA_LEAD = /^'*[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * A cell as the product writes it into a CSV: guarded when a spreadsheet would run it.
 *
 * @example
 * neutralise('=HYPERLINK("x")'); // "'=HYPERLINK(\"x\")"
 * neutralise('＝1+1');            // "'＝1+1"
 * neutralise('Ann');              // 'Ann'
 */
export function neutralise(cell: string): string {
  return FORMULA_LEAD.test(cell) ? `'${cell}` : cell;
}

/**
 * A cell as imported: the guard {@link neutralise} added is taken off, whatever file the cell comes from
 * (a `'` before a formula lead is never data: a spreadsheet would not show it).
 *
 * @example
 * unguard("'+886912345678"); // '+886912345678'
 * unguard("''=x");           // "'=x"
 * unguard("'tis");           // "'tis"
 */
export function unguard(cell: string): string {
  return cell.startsWith("'") && FORMULA_LEAD.test(cell) ? cell.slice(1) : cell;
}
