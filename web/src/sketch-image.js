// Turning what a page has (ImageData, a canvas, raw arrays) into plain ink arrays for the engine.
// Pixel-format conversion only: ink = alpha where the image is transparent, else 1 − luminance.
import { MetacogError, check } from './errors.js';
import { describe } from './prototypes.js';

/** A pixel with more ink than this is drawn: the engine's rule for an empty drawing (sketch.hpp),
 *  applied here to raw model inputs, which skip the engine's preprocessing. */
export const SKETCH_INK = 0.05;

/**
 * @param {unknown} image ImageData | HTMLCanvasElement | OffscreenCanvas | Float32Array | Uint8Array |
 *   Uint8ClampedArray (the two byte arrays hold 0..255)
 * @param {number} side the model's input side (28)
 * @returns {{ink: Float32Array, h: number, w: number, ready: boolean}} ready: already a model input
 */
export function toInk(image, side, what) {
  const bytes = image instanceof Uint8Array || image instanceof Uint8ClampedArray;
  if (image instanceof Float32Array || bytes) {
    check(image.length === side * side,
      `${what}: a raw image must hold ${side}×${side} = ${side * side} values (ink = 1), got ${image.length}; pass ImageData or a canvas for other sizes`);
    const ink = new Float32Array(image.length);
    const scale = bytes ? 1 / 255 : 1;
    let drawn = false;
    for (let i = 0; i < ink.length; i++) {
      const v = image[i] * scale;
      check(Number.isFinite(v) && v >= 0 && v <= 1, `${what}: pixel ${i} is ${image[i]}; values must be in [0, 1] (or 0..255 for Uint8Array and Uint8ClampedArray)`);
      ink[i] = v;
      drawn ||= ink[i] > Math.fround(SKETCH_INK);  // compared as the engine does, in float
    }
    check(drawn, `${what}: the image is blank (no pixel has more ink than ${SKETCH_INK}); draw something first`);
    return { ink, h: side, w: side, ready: true };
  }
  let data = image;
  const isCanvas = (typeof HTMLCanvasElement !== 'undefined' && image instanceof HTMLCanvasElement)
    || (typeof OffscreenCanvas !== 'undefined' && image instanceof OffscreenCanvas);
  if (isCanvas) {
    check(image.width > 0 && image.height > 0, `${what}: the canvas is empty (0×0)`);
    const ctx = image.getContext('2d');
    check(ctx, `${what}: the canvas has no 2D context (it already has a WebGL or bitmap one); draw on a 2D canvas or pass ImageData`);
    try {
      data = ctx.getImageData(0, 0, image.width, image.height);
    } catch (err) {  // a canvas tainted by a cross-origin image: SecurityError
      throw new MetacogError('INVALID_ARGUMENT', `${what}: the canvas's pixels cannot be read (${err && err.name}: ${err && err.message}); a canvas with images from another origin is tainted`, { cause: err });
    }
  }
  const isImageData = data && typeof data === 'object' && Number.isInteger(data.width) && Number.isInteger(data.height)
    && data.data instanceof Uint8ClampedArray && data.data.length === data.width * data.height * 4;
  check(isImageData, `${what}: expected ImageData, a canvas, or a Float32Array/Uint8Array/Uint8ClampedArray of ${side * side} values, got ${describe(image)}`);
  const { width: w, height: h } = data;
  const px = data.data;
  let transparent = false;
  for (let i = 3; i < px.length; i += 4) if (px[i] < 255) { transparent = true; break; }
  const ink = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) {
    const r = px[4 * i], g = px[4 * i + 1], b = px[4 * i + 2], a = px[4 * i + 3] / 255;
    // transparent canvas: strokes are the opaque pixels; opaque image: dark strokes on light paper
    ink[i] = transparent ? a : 1 - (0.299 * r + 0.587 * g + 0.114 * b) / 255;
  }
  return { ink, h, w, ready: false };
}
