// Strokes as data: a drawing is a list of strokes, each a list of points in [0, 1]² of the canvas
// side, so it can be redrawn at any size (undo = drop the last stroke and redraw). The pen width
// is 2.5/105 of the side, Omniglot's pen on its 105×105 canvas, so that the engine's centring and
// scaling to 28×28 sees strokes like the ones it was trained on.

export const PEN_WIDTH = 2.5 / 105;

/**
 * Draws strokes onto a 2D context of a side×side canvas: white paper, black ink, round pen.
 * @param {CanvasRenderingContext2D} ctx
 * @param {{x: number, y: number}[][]} strokes
 * @param {number} side canvas side in pixels
 * @param {number} [penWidth] as a fraction of the side
 */
export function renderStrokes(ctx, strokes, side, penWidth = PEN_WIDTH) {
  ctx.save();
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, side, side);
  ctx.strokeStyle = '#000000';
  ctx.fillStyle = '#000000';
  ctx.lineWidth = Math.max(1, penWidth * side);
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  for (const s of strokes) {
    if (s.length === 0) continue;
    if (s.length === 1) {  // a dot
      ctx.beginPath();
      ctx.arc(s[0].x * side, s[0].y * side, ctx.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fill();
      continue;
    }
    ctx.beginPath();
    ctx.moveTo(s[0].x * side, s[0].y * side);
    for (let i = 1; i < s.length; i++) ctx.lineTo(s[i].x * side, s[i].y * side);
    ctx.stroke();
  }
  ctx.restore();
}

/** True when there is at least one stroke with a point. */
export const hasInk = (strokes) => strokes.some((s) => s.length > 0);

/**
 * Renders a character from the system fonts onto a side×side canvas as a reference glyph (dark on
 * white), so it can be a prototype example. `font` is a CSS font family list.
 */
export function renderGlyph(ctx, char, side, font = 'serif', weight = 'normal') {
  ctx.save();
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, side, side);
  ctx.fillStyle = '#000000';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.font = `${weight} ${Math.round(side * 0.6)}px ${font}`;
  ctx.fillText(char, side / 2, side / 2);
  ctx.restore();
}
