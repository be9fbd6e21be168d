//! Page images out of a scanned PDF: which image covers each page, where it is placed, and its
//! pixels decoded to 8-bit grey.
//!
//! Scanners and the tools that wrap scans (img2pdf, ImageMagick, tiff2pdf, scanner software) put
//! one image per page, drawn over the whole page by a `cm` and `Do` in the content stream. The
//! largest image a page draws is taken as its scan. Decoded: `DCTDecode` (JPEG: grey, RGB, CMYK),
//! `FlateDecode` and uncompressed samples (1, 2, 4, 8 bits; grey, RGB, CMYK, indexed), and
//! `CCITTFaxDecode` (Group 4, and Group 3 one-dimensional) as black-and-white scanners write.
//! JBIG2, JPEG 2000 and others are a clear error naming the filter.
//!
//! Colour is turned to grey through the **red channel**: black ink stays black and a red seal (公章)
//! over the text or a ruling fades into the paper, which is what both the grid finder and OCR need.

use lopdf::content::Content;
use lopdf::{Dictionary, Document as PdfDocument, Object, ObjectId, Stream};

use super::error::{DecodeError, ImageError};

/// An 8-bit grey image, row-major, 0 black and 255 white.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gray {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

impl Gray {
    /// A white image.
    pub fn white(width: usize, height: usize) -> Self {
        Gray { width, height, pixels: vec![255; width * height] }
    }

    /// The region `x0..x1` × `y0..y1` of this image (assumed within it) on a white image with a
    /// white border of `border` pixels on every side: a crop as tesseract reads best.
    pub fn framed(&self, (x0, y0, x1, y1): (usize, usize, usize, usize), border: usize) -> Gray {
        let (w, h) = (x1 - x0 + 2 * border, y1 - y0 + 2 * border);
        let mut out = Gray::white(w, h);
        for y in y0..y1 {
            let src = &self.pixels[y * self.width + x0..y * self.width + x1];
            let at = (y - y0 + border) * w + border;
            out.pixels[at..at + src.len()].copy_from_slice(src);
        }
        out
    }

    /// The pixel at (x, y); white outside the image.
    pub fn get(&self, x: isize, y: isize) -> u8 {
        if x < 0 || y < 0 || x as usize >= self.width || y as usize >= self.height {
            return 255;
        }
        self.pixels[y as usize * self.width + x as usize]
    }

    /// This image resampled by `factor` (below 1 shrinks: each output pixel averages the input
    /// pixels it covers; above 1 grows: bilinear). Sizes are at least one pixel.
    pub fn resampled(&self, factor: f32) -> Gray {
        let w = ((self.width as f32 * factor).round() as usize).max(1);
        let h = ((self.height as f32 * factor).round() as usize).max(1);
        let mut out = Gray::white(w, h);
        let (sx, sy) = (self.width as f32 / w as f32, self.height as f32 / h as f32);
        for y in 0..h {
            for x in 0..w {
                let v = if factor < 1.0 {
                    let (x0, x1) = ((x as f32 * sx) as usize, (((x + 1) as f32 * sx) as usize).min(self.width));
                    let (y0, y1) = ((y as f32 * sy) as usize, (((y + 1) as f32 * sy) as usize).min(self.height));
                    let (mut sum, mut n) = (0u32, 0u32);
                    for yy in y0..y1.max(y0 + 1).min(self.height) {
                        for xx in x0..x1.max(x0 + 1).min(self.width) {
                            sum += u32::from(self.pixels[yy * self.width + xx]);
                            n += 1;
                        }
                    }
                    (sum / n.max(1)) as u8
                } else {
                    let (fx, fy) = ((x as f32 + 0.5) * sx - 0.5, (y as f32 + 0.5) * sy - 0.5);
                    let (ix, iy) = (fx.floor(), fy.floor());
                    let (tx, ty) = (fx - ix, fy - iy);
                    let p = |dx: f32, dy: f32| f32::from(self.get((ix + dx) as isize, (iy + dy) as isize));
                    let top = p(0.0, 0.0) * (1.0 - tx) + p(1.0, 0.0) * tx;
                    let bottom = p(0.0, 1.0) * (1.0 - tx) + p(1.0, 1.0) * tx;
                    (top * (1.0 - ty) + bottom * ty).round().clamp(0.0, 255.0) as u8
                };
                out.pixels[y * w + x] = v;
            }
        }
        out
    }

    /// One row of pixels.
    pub fn row(&self, y: usize) -> &[u8] {
        &self.pixels[y * self.width..(y + 1) * self.width]
    }
}

/// A page's scan: its pixels and where they sit on the page.
#[derive(Clone, Debug)]
pub struct PageImage {
    pub image: Gray,
    /// The page's upright size in points (MediaBox width and height).
    pub page_size: (f32, f32),
    /// The image's box on the page in points, down coordinates (from the page's top left):
    /// `[x0, top, x1, bottom]`.
    pub placed: [f32; 4],
}

impl PageImage {
    /// Pixels per point along x and y.
    pub fn scale(&self) -> (f32, f32) {
        let (w, h) = (self.placed[2] - self.placed[0], self.placed[3] - self.placed[1]);
        (self.image.width as f32 / w.max(1e-3), self.image.height as f32 / h.max(1e-3))
    }

    /// Resolution in dots per inch (the smaller of the two axes).
    pub fn dpi(&self) -> f32 {
        let (sx, sy) = self.scale();
        sx.min(sy) * 72.0
    }
}

/// Bounds for decoding one page's image.
#[derive(Clone, Copy, Debug)]
pub struct DecodeLimits {
    /// Most pixels (width × height) an image may have.
    pub max_pixels: usize,
    /// Most bytes one stream may decompress to.
    pub max_bytes: usize,
}

fn number(obj: &Object) -> Option<f32> {
    match obj {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

fn deref<'a>(doc: &'a PdfDocument, obj: &'a Object) -> Option<&'a Object> {
    doc.dereference(obj).ok().map(|(_, o)| o)
}

fn dict_get<'a>(doc: &'a PdfDocument, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    dict.get(key).ok().and_then(|o| deref(doc, o))
}

/// An inherited page attribute (`/Resources`, `/MediaBox`), looked up through the page tree.
fn inherited<'a>(doc: &'a PdfDocument, page: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let mut node = page;
    for _ in 0..64 {
        if let Some(v) = dict_get(doc, node, key) {
            return Some(v);
        }
        node = dict_get(doc, node, b"Parent")?.as_dict().ok()?;
    }
    None
}

/// The image XObjects a page draws, each with the matrix it is drawn with (user space).
fn drawn_images(doc: &PdfDocument, page_id: ObjectId, max_bytes: usize) -> Vec<(ObjectId, [f32; 6])> {
    let Ok(page) = doc.get_dictionary(page_id) else { return Vec::new() };
    let Some(xobjects) = inherited(doc, page, b"Resources")
        .and_then(|r| r.as_dict().ok())
        .and_then(|r| dict_get(doc, r, b"XObject"))
        .and_then(|x| x.as_dict().ok())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for content_id in doc.get_page_contents(page_id) {
        let Ok(stream) = doc.get_object(content_id).and_then(Object::as_stream) else { continue };
        let Ok(data) = stream.get_plain_content_with_limit(max_bytes) else { continue };
        let Ok(content) = Content::decode(&data) else { continue };
        let mut ctm = [1.0f32, 0.0, 0.0, 1.0, 0.0, 0.0];
        let mut stack = Vec::new();
        for op in content.operations {
            match op.operator.as_str() {
                "q" if stack.len() < 256 => stack.push(ctm),
                "Q" => ctm = stack.pop().unwrap_or(ctm),
                "cm" if op.operands.len() == 6 => {
                    let m: Vec<f32> = op.operands.iter().map(|o| number(o).unwrap_or(0.0)).collect();
                    ctm = crate::input::pdf::multiply(&[m[0], m[1], m[2], m[3], m[4], m[5]], &ctm);
                }
                "Do" => {
                    let Some(name) = op.operands.first().and_then(|o| o.as_name().ok()) else { continue };
                    let Ok(Object::Reference(id)) = xobjects.get(name) else { continue };
                    let is_image = doc
                        .get_object(*id)
                        .and_then(Object::as_stream)
                        .is_ok_and(|s| s.dict.get(b"Subtype").and_then(Object::as_name).is_ok_and(|n| n == b"Image"));
                    if is_image {
                        out.push((*id, ctm));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// The page's MediaBox as `[x0, y0, x1, y1]`; A4 portrait when absent.
fn media_box(doc: &PdfDocument, page: &Dictionary) -> [f32; 4] {
    let v: Vec<f32> = inherited(doc, page, b"MediaBox")
        .and_then(|o| o.as_array().ok())
        .map(|a| a.iter().filter_map(|o| deref(doc, o).and_then(number)).collect())
        .unwrap_or_default();
    match v[..] {
        [a, b, c, d] if (c - a).abs() > 1.0 && (d - b).abs() > 1.0 => [a.min(c), b.min(d), a.max(c), b.max(d)],
        _ => [0.0, 0.0, 595.0, 842.0],
    }
}

/// Where a page's scan is: its largest image, not yet decoded, with its size and placement.
#[derive(Clone, Copy, Debug)]
pub struct PageScan {
    /// The image XObject.
    pub object: ObjectId,
    /// Its size in pixels, as its dictionary declares (decoding checks it).
    pub width: usize,
    pub height: usize,
    /// The page's upright size in points (MediaBox width and height).
    pub page_size: (f32, f32),
    /// The image's box on the page in points, down coordinates: `[x0, top, x1, bottom]`.
    pub placed: [f32; 4],
}

impl PageScan {
    /// Resolution in dots per inch (the smaller of the two axes), from the declared size.
    pub fn dpi(&self) -> f32 {
        let (w, h) = (self.placed[2] - self.placed[0], self.placed[3] - self.placed[1]);
        (self.width as f32 / w.max(1e-3)).min(self.height as f32 / h.max(1e-3)) * 72.0
    }
}

/// Finds the scan of one page without decoding it: its largest image and where it is drawn.
/// `Ok(None)` for a page that draws no image (a blank page). A page shown rotated (`/Rotate`) or
/// an image drawn rotated or mirrored is an error (not read yet).
pub fn locate_scan(doc: &PdfDocument, page_id: ObjectId, max_bytes: usize) -> Result<Option<PageScan>, ImageError> {
    let page = doc.get_dictionary(page_id).map_err(ImageError::PageObject)?;
    let [mx0, my0, mx1, my1] = media_box(doc, page);
    let rotate = inherited(doc, page, b"Rotate").and_then(|o| o.as_i64().ok()).unwrap_or(0).rem_euclid(360);
    if rotate != 0 {
        return Err(ImageError::PageRotated { degrees: rotate });
    }
    let images = drawn_images(doc, page_id, max_bytes);
    let area = |(_, m): &(ObjectId, [f32; 6])| (m[0] * m[3] - m[1] * m[2]).abs();
    let Some(&(id, m)) = images.iter().max_by(|a, b| area(a).total_cmp(&area(b))) else { return Ok(None) };
    if m[1].abs() > 1e-3 || m[2].abs() > 1e-3 || m[0] <= 0.0 || m[3] <= 0.0 {
        return Err(ImageError::Placement { object: id });
    }
    let stream = doc
        .get_object(id)
        .and_then(Object::as_stream)
        .map_err(|source| ImageError::ImageObject { object: id, source })?;
    let (width, height) =
        declared_size(doc, &stream.dict).map_err(|problem| ImageError::Decode { object: id, problem })?;
    // The unit square of image space: (0, 0) is the image's lower left. Down coordinates from
    // the MediaBox's top left.
    let placed = [m[4] - mx0, my1 - (m[5] + m[3]), m[4] + m[0] - mx0, my1 - m[5]];
    Ok(Some(PageScan { object: id, width, height, page_size: (mx1 - mx0, my1 - my0), placed }))
}

/// Decodes a located scan into its page image.
pub fn decode_scan(doc: &PdfDocument, scan: &PageScan, limits: DecodeLimits) -> Result<PageImage, ImageError> {
    let object = scan.object;
    let stream = doc
        .get_object(object)
        .and_then(Object::as_stream)
        .map_err(|source| ImageError::ImageObject { object, source })?;
    let image = decode_image(doc, stream, limits).map_err(|problem| ImageError::Decode { object, problem })?;
    Ok(PageImage { image, page_size: scan.page_size, placed: scan.placed })
}

/// An image's `/Width` and `/Height`, both positive.
fn declared_size(doc: &PdfDocument, d: &Dictionary) -> Result<(usize, usize), DecodeError> {
    let int = |key: &[u8]| dict_get(doc, d, key).and_then(|o| o.as_i64().ok());
    let (Some(w), Some(h)) = (int(b"Width"), int(b"Height")) else {
        return Err(DecodeError::NoSize);
    };
    if w <= 0 || h <= 0 {
        return Err(DecodeError::EmptySize { width: w, height: h });
    }
    Ok((usize::try_from(w).unwrap_or(usize::MAX), usize::try_from(h).unwrap_or(usize::MAX)))
}

/// Decodes an image XObject to grey.
pub fn decode_image(doc: &PdfDocument, stream: &Stream, limits: DecodeLimits) -> Result<Gray, DecodeError> {
    let d = &stream.dict;
    let (w, h) = declared_size(doc, d)?;
    if w.saturating_mul(h) > limits.max_pixels {
        return Err(DecodeError::TooManyPixels { width: w, height: h, limit: limits.max_pixels });
    }
    let filters: Vec<Vec<u8>> = match dict_get(doc, d, b"Filter") {
        Some(Object::Name(n)) => vec![n.clone()],
        Some(Object::Array(a)) => a.iter().filter_map(|o| deref(doc, o)?.as_name().ok().map(<[u8]>::to_vec)).collect(),
        _ => Vec::new(),
    };
    let last = filters.last().map(Vec::as_slice);
    let image_filter =
        matches!(last, Some(b"DCTDecode" | b"DCT" | b"CCITTFaxDecode" | b"CCF" | b"JBIG2Decode" | b"JPXDecode"));
    // The bytes the image filter reads: earlier filters (ASCII, Flate) undone by lopdf.
    let stream_error = |source| DecodeError::Stream {
        filters: filters.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect::<Vec<_>>().join(" "),
        source,
    };
    let data = if image_filter && filters.len() > 1 {
        let mut pre = stream.clone();
        let kept: Vec<Object> = filters[..filters.len() - 1].iter().map(|f| Object::Name(f.clone())).collect();
        pre.dict.set("Filter", Object::Array(kept));
        pre.get_plain_content_with_limit(limits.max_bytes).map_err(stream_error)?
    } else if image_filter {
        stream.content.clone()
    } else {
        stream.get_plain_content_with_limit(limits.max_bytes).map_err(stream_error)?
    };
    let params = match dict_get(doc, d, b"DecodeParms") {
        Some(Object::Dictionary(p)) => Some(p),
        Some(Object::Array(a)) => a.last().and_then(|o| deref(doc, o)).and_then(|o| o.as_dict().ok()),
        _ => None,
    };
    let invert = dict_get(doc, d, b"Decode")
        .and_then(|o| o.as_array().ok())
        .and_then(|a| a.first().and_then(|o| deref(doc, o)).and_then(number))
        .is_some_and(|first| first >= 0.5);
    let mut gray = match last {
        Some(b"DCTDecode" | b"DCT") => decode_jpeg(&data, w, h)?,
        Some(b"CCITTFaxDecode" | b"CCF") => decode_ccitt(&data, w, h, params)?,
        Some(b"JBIG2Decode") => {
            return Err(DecodeError::UnsupportedFilter {
                filter: "JBIG2 (JBIG2Decode)",
                instead: "CCITT G4, JPEG or PNG compression",
            })
        }
        Some(b"JPXDecode") => {
            return Err(DecodeError::UnsupportedFilter {
                filter: "JPEG 2000 (JPXDecode)",
                instead: "JPEG, PNG or CCITT G4 compression",
            })
        }
        _ => decode_samples(doc, d, &data, w, h)?,
    };
    if invert {
        gray.pixels.iter_mut().for_each(|p| *p = 255 - *p);
    }
    Ok(gray)
}

/// JPEG through zune-jpeg (bounded to the size the image dictionary declares); colour to grey
/// through the red channel (CMYK and YCCK are turned to RGB by the decoder first).
fn decode_jpeg(data: &[u8], w: usize, h: usize) -> Result<Gray, DecodeError> {
    use zune_core::bytestream::ZCursor;
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions;
    let options = DecoderOptions::default().set_max_width(w).set_max_height(h);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(data), options);
    decoder.decode_headers().map_err(DecodeError::Jpeg)?;
    let info = decoder.info().ok_or(DecodeError::NoSize)?;
    let (iw, ih) = (usize::from(info.width), usize::from(info.height));
    if (iw, ih) != (w, h) {
        return Err(DecodeError::JpegSize { got_width: iw, got_height: ih, width: w, height: h });
    }
    let grey_input = matches!(decoder.input_colorspace(), Some(ColorSpace::Luma | ColorSpace::LumaA));
    let out = if grey_input { ColorSpace::Luma } else { ColorSpace::RGB };
    decoder.set_options(options.jpeg_set_out_colorspace(out));
    let samples = decoder.decode().map_err(DecodeError::Jpeg)?;
    let pixels: Vec<u8> = match out {
        ColorSpace::Luma => samples,
        _ => samples.chunks_exact(3).map(|p| p[0]).collect(),
    };
    if pixels.len() != w * h {
        return Err(DecodeError::JpegSize { got_width: pixels.len() / h.max(1), got_height: h, width: w, height: h });
    }
    Ok(Gray { width: w, height: h, pixels })
}

/// CCITT fax: Group 4 (`/K` < 0) or one-dimensional Group 3 (`/K` 0). The decoded samples follow
/// `/BlackIs1`: black is 0 unless it is true (then the image's `/Decode` usually inverts it back).
fn decode_ccitt(data: &[u8], w: usize, h: usize, params: Option<&Dictionary>) -> Result<Gray, DecodeError> {
    let get = |key: &[u8]| params.and_then(|p| p.get(key).ok());
    let k = get(b"K").and_then(|o| o.as_i64().ok()).unwrap_or(0);
    let columns = get(b"Columns").and_then(|o| o.as_i64().ok()).unwrap_or(1728);
    let black_is_1 = get(b"BlackIs1").and_then(|o| o.as_bool().ok()).unwrap_or(false);
    if columns != w as i64 {
        return Err(DecodeError::CcittColumns { columns, width: w });
    }
    let (black, white) = if black_is_1 { (255u8, 0u8) } else { (0u8, 255u8) };
    let mut pixels = Vec::with_capacity(w * h);
    let mut lines = 0usize;
    let mut on_line = |transitions: &[u32]| {
        if lines < h {
            pixels.extend(fax::decoder::pels(transitions, w as u32).map(|c| match c {
                fax::Color::Black => black,
                fax::Color::White => white,
            }));
            lines += 1;
        }
    };
    let ok = match k {
        k if k < 0 => fax::decoder::decode_g4(data.iter().copied(), w as u32, Some(h as u32), &mut on_line),
        0 => fax::decoder::decode_g3(data.iter().copied(), &mut on_line),
        k => return Err(DecodeError::CcittTwoDimensional { k }),
    };
    if ok.is_none() && lines < h / 2 {
        return Err(DecodeError::CcittCorrupt { lines, height: h });
    }
    pixels.resize(w * h, white);
    Ok(Gray { width: w, height: h, pixels })
}

/// Raw samples (after Flate or no filter): 1–8 bits per component, DeviceGray, DeviceRGB,
/// DeviceCMYK, ICCBased (by its /N), Indexed over one of these.
fn decode_samples(doc: &PdfDocument, d: &Dictionary, data: &[u8], w: usize, h: usize) -> Result<Gray, DecodeError> {
    let image_mask = dict_get(doc, d, b"ImageMask").and_then(|o| o.as_bool().ok()).unwrap_or(false);
    let bpc =
        if image_mask { 1 } else { dict_get(doc, d, b"BitsPerComponent").and_then(|o| o.as_i64().ok()).unwrap_or(8) };
    if !matches!(bpc, 1 | 2 | 4 | 8) {
        return Err(DecodeError::BitsPerComponent { bits: bpc });
    }
    let (components, palette) = if image_mask { (1, None) } else { color_space(doc, dict_get(doc, d, b"ColorSpace"))? };
    let bpc = bpc as usize;
    let row_bytes = (w * components * bpc).div_ceil(8);
    if data.len() < row_bytes * h {
        return Err(DecodeError::ShortData { len: data.len(), width: w, height: h, bits: bpc, components });
    }
    let max = (1u32 << bpc) - 1;
    let sample = |row: &[u8], i: usize| -> u32 {
        let bit = i * bpc;
        let byte = row[bit / 8] as u32;
        (byte >> (8 - bpc - bit % 8)) & max
    };
    let mut pixels = Vec::with_capacity(w * h);
    for y in 0..h {
        let row = &data[y * row_bytes..(y + 1) * row_bytes];
        for x in 0..w {
            let v = match &palette {
                Some((base, table)) => {
                    let index = sample(row, x) as usize;
                    let at = index * base;
                    let c = |k: usize| table.get(at + k).copied().unwrap_or(0);
                    match base {
                        1 => c(0),
                        3 => c(0),
                        4 => 255u8.saturating_sub(c(0).saturating_add(c(3))),
                        _ => c(0),
                    }
                }
                None => {
                    let scale = |s: u32| (s * 255 / max) as u8;
                    match components {
                        1 => scale(sample(row, x)),
                        3 => scale(sample(row, x * 3)),
                        4 => 255u8
                            .saturating_sub(scale(sample(row, x * 4)).saturating_add(scale(sample(row, x * 4 + 3)))),
                        _ => scale(sample(row, x * components)),
                    }
                }
            };
            pixels.push(if image_mask {
                if v == 0 {
                    0
                } else {
                    255
                }
            } else {
                v
            });
        }
    }
    Ok(Gray { width: w, height: h, pixels })
}

/// Components per pixel, and for an indexed space the base's components and the palette.
#[allow(clippy::type_complexity)]
fn color_space(doc: &PdfDocument, cs: Option<&Object>) -> Result<(usize, Option<(usize, Vec<u8>)>), DecodeError> {
    let Some(cs) = cs else { return Ok((1, None)) };
    match cs {
        Object::Name(n) => match n.as_slice() {
            b"DeviceGray" | b"CalGray" | b"G" => Ok((1, None)),
            b"DeviceRGB" | b"CalRGB" | b"RGB" => Ok((3, None)),
            b"DeviceCMYK" | b"CMYK" => Ok((4, None)),
            other => Err(DecodeError::ColourSpace { name: String::from_utf8_lossy(other).into_owned() }),
        },
        Object::Array(a) => {
            let head = a.first().and_then(|o| deref(doc, o)).and_then(|o| o.as_name().ok()).unwrap_or(b"");
            match head {
                b"ICCBased" => {
                    let n = a
                        .get(1)
                        .and_then(|o| deref(doc, o))
                        .and_then(|o| o.as_stream().ok())
                        .and_then(|s| s.dict.get(b"N").ok()?.as_i64().ok())
                        .unwrap_or(3);
                    Ok((n.clamp(1, 4) as usize, None))
                }
                b"CalGray" => Ok((1, None)),
                b"CalRGB" | b"Lab" => Ok((3, None)),
                b"Indexed" | b"I" => {
                    let (base, _) = color_space(doc, a.get(1).and_then(|o| deref(doc, o)))?;
                    let table = match a.get(3).and_then(|o| deref(doc, o)) {
                        Some(Object::String(s, _)) => s.clone(),
                        Some(Object::Stream(s)) => {
                            s.get_plain_content_with_limit(1 << 20).map_err(DecodeError::Palette)?
                        }
                        _ => return Err(DecodeError::NoPalette),
                    };
                    Ok((1, Some((base, table))))
                }
                other => Err(DecodeError::ColourSpace { name: String::from_utf8_lossy(other).into_owned() }),
            }
        }
        _ => Err(DecodeError::UnreadableColourSpace),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flate_samples_at_one_bit_and_rgb() {
        let doc = PdfDocument::with_version("1.5");
        let mut d = Dictionary::new();
        d.set("Width", 8);
        d.set("Height", 1);
        d.set("BitsPerComponent", 1);
        d.set("ColorSpace", "DeviceGray");
        let g = decode_samples(&doc, &d, &[0b1010_0000], 8, 1).unwrap();
        assert_eq!(g.pixels, vec![255, 0, 255, 0, 0, 0, 0, 0]);
        d.set("BitsPerComponent", 8);
        d.set("ColorSpace", "DeviceRGB");
        // A red pixel reads as white (a seal), a black one as black.
        let g = decode_samples(&doc, &d, &[255, 0, 0, 0, 0, 0], 2, 1).unwrap();
        assert_eq!(g.pixels, vec![255, 0]);
        assert!(decode_samples(&doc, &d, &[1, 2], 2, 1).is_err(), "short data is an error");
    }

    #[test]
    fn ccitt_g4_round_trip() {
        // Encode a 16×4 image with one black line, decode it back.
        let (w, h) = (16u32, 4u32);
        let mut encoder = fax::encoder::Encoder::new(fax::VecWriter::new());
        for y in 0..h {
            let row: Vec<fax::Color> =
                (0..w).map(|x| if y == 2 && x > 3 { fax::Color::Black } else { fax::Color::White }).collect();
            encoder.encode_line(row.into_iter(), w).unwrap();
        }
        let data = encoder.finish().unwrap().finish();
        let mut p = Dictionary::new();
        p.set("K", -1);
        p.set("Columns", 16);
        let g = decode_ccitt(&data, 16, 4, Some(&p)).unwrap();
        assert_eq!(g.pixels[2 * 16 + 5], 0);
        assert_eq!(g.pixels[16 + 5], 255);
        assert_eq!(g.pixels[2 * 16 + 2], 255);
    }
}
