// The five rating levels as faces and colours, told apart without reading: the mouth bends
// from a wide smile to a deep frown, the colour runs from green to red.
export const LEVELS = ['very_satisfied', 'satisfied', 'basic', 'dissatisfied', 'very_dissatisfied'];
export const NAMES = {
  very_satisfied: '非常满意', satisfied: '满意', basic: '基本满意', dissatisfied: '不满意', very_dissatisfied: '非常不满意',
};
export const COLORS = {
  very_satisfied: '#1b7a34', satisfied: '#52a447', basic: '#d9a400', dissatisfied: '#e8741c', very_dissatisfied: '#c62828',
};
const MOUTH = { very_satisfied: 20, satisfied: 11, basic: 0, dissatisfied: -10, very_dissatisfied: -18 };
export const BAD = new Set(['dissatisfied', 'very_dissatisfied']);

// An inline SVG face for ``level`` (no font or image needed on a cheap tablet).
export function face(level) {
  const bend = MOUTH[level];
  const y = 66 - bend / 2;
  const brows = level === 'very_dissatisfied'
    ? '<path d="M28 30 L42 36 M72 30 L58 36" stroke="#222" stroke-width="5" stroke-linecap="round"/>' : '';
  return `<svg viewBox="0 0 100 100" aria-hidden="true"><circle cx="50" cy="50" r="46" fill="${COLORS[level]}"/>`
    + `<circle cx="50" cy="50" r="38" fill="#fff6d5"/>${brows}`
    + '<circle cx="36" cy="42" r="6" fill="#222"/><circle cx="64" cy="42" r="6" fill="#222"/>'
    + `<path d="M30 ${y} Q50 ${y + bend} 70 ${y}" stroke="#222" stroke-width="6" fill="none" stroke-linecap="round"/></svg>`;
}
