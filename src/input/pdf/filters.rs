//! Stream filters: a stream's data decoded under a size limit, as lopdf decodes it. A plain
//! FlateDecode stream is inflated here with one reused inflater per thread; every other filter,
//! and a zlib stream that does not end cleanly, goes through lopdf (its fallbacks included), so
//! the result is lopdf's either way.

use std::borrow::Cow;

use super::object::{Dict, Object, Stream};

/// A stream as lopdf holds it, with only what decoding reads (`/Filter`, `/DecodeParms`).
fn lopdf_stream(stream: &Stream<'_>) -> lopdf::Stream {
    lopdf_layer(stream, stream.data.to_vec(), stream.dict.get(b"Filter").map(to_lopdf))
}

/// `data` as lopdf holds a stream under `filter` (none: stored as is) and `stream`'s
/// `/DecodeParms`: one layer of a filter chain for lopdf to decode.
fn lopdf_layer(stream: &Stream<'_>, data: Vec<u8>, filter: Option<lopdf::Object>) -> lopdf::Stream {
    let mut dict = lopdf::Dictionary::new();
    if let Some(filter) = filter {
        dict.set(b"Filter".to_vec(), filter);
    }
    if let Some(v) = stream.dict.get(b"DecodeParms") {
        dict.set(b"DecodeParms".to_vec(), to_lopdf(v));
    }
    lopdf::Stream { dict, content: data, allows_compression: true, start_position: None }
}

fn over_limit(len: usize, limit: usize) -> lopdf::Result<()> {
    if len > limit {
        return Err(lopdf::DecompressError::MemoryLimitExceeded { limit }.into());
    }
    Ok(())
}

/// The stream's data with its filters applied, at most `limit` bytes (lopdf's
/// `decompressed_content_with_limit`). Flate without parameters, alone or after ASCII85 (as
/// ReportLab writes every stream), is inflated here; everything else goes through lopdf.
pub(crate) fn decode<'s>(stream: &'s Stream<'_>, limit: usize) -> lopdf::Result<Cow<'s, [u8]>> {
    let is = |o: &Object<'_>, name: &[u8]| o.as_name() == Some(name);
    let chain = match stream.dict.get(b"Filter") {
        None => {
            over_limit(stream.data.len(), limit)?;
            return Ok(Cow::Borrowed(&stream.data));
        }
        Some(o) if is(o, b"FlateDecode") => FlateChain::Flate,
        Some(Object::Array(a)) => match a.as_slice() {
            [f] if is(f, b"FlateDecode") => FlateChain::Flate,
            [a85, f] if is(a85, b"ASCII85Decode") && is(f, b"FlateDecode") => FlateChain::Ascii85ThenFlate,
            _ => FlateChain::Other,
        },
        Some(_) => FlateChain::Other,
    };
    if stream.dict.get(b"DecodeParms").is_none() {
        match chain {
            FlateChain::Flate => {
                if let Some(result) = inflate(&stream.data, limit) {
                    return result.map(Cow::Owned);
                }
            }
            FlateChain::Ascii85ThenFlate => {
                // lopdf's own ASCII85 layer (its limit check included), then the reused inflater;
                // a zlib stream that does not end cleanly gets lopdf's Flate layer, fallbacks and
                // all, without decoding the ASCII85 again.
                let name = |n: &[u8]| Some(lopdf::Object::Name(n.to_vec()));
                let ascii85 = lopdf_layer(stream, stream.data.to_vec(), name(b"ASCII85Decode"))
                    .decompressed_content_with_limit(limit)?;
                return match inflate(&ascii85, limit) {
                    Some(result) => result.map(Cow::Owned),
                    None => lopdf_layer(stream, ascii85, name(b"FlateDecode"))
                        .decompressed_content_with_limit(limit)
                        .map(Cow::Owned),
                };
            }
            FlateChain::Other => {}
        }
    }
    lopdf_stream(stream).decompressed_content_with_limit(limit).map(Cow::Owned)
}

/// Which filter chains `decode` inflates itself.
enum FlateChain {
    Flate,
    Ascii85ThenFlate,
    Other,
}

/// A zlib stream inflated with one inflater per thread, reset between streams (a fresh one costs
/// more than a small stream's data: a font's ToUnicode map, a glyph run's content). `None` when
/// the stream does not end cleanly: lopdf then decodes it, with its fallbacks, so that the result
/// is lopdf's either way.
fn inflate(input: &[u8], limit: usize) -> Option<lopdf::Result<Vec<u8>>> {
    use flate2::{Decompress, FlushDecompress, Status};
    thread_local! {
        static INFLATER: std::cell::RefCell<Decompress> = std::cell::RefCell::new(Decompress::new(true));
    }
    if input.is_empty() {
        return Some(Ok(Vec::new()));
    }
    INFLATER.with(|inflater| {
        let mut inflater = inflater.borrow_mut();
        inflater.reset(true);
        // As lopdf: twice the input to start with, never more than one byte past the limit.
        let cap = limit.saturating_add(1);
        let mut out = Vec::with_capacity(input.len().saturating_mul(2).min(cap));
        loop {
            if out.len() == out.capacity() {
                if out.len() >= cap {
                    return Some(Err(lopdf::DecompressError::MemoryLimitExceeded { limit }.into()));
                }
                out.reserve_exact((out.len().max(4096)).min(cap - out.len()));
            }
            let consumed = usize::try_from(inflater.total_in()).ok()?;
            let (before_in, before_out) = (inflater.total_in(), inflater.total_out());
            match inflater.decompress_vec(&input[consumed..], &mut out, FlushDecompress::None) {
                Ok(Status::StreamEnd) => break,
                Ok(_) if inflater.total_in() == before_in && inflater.total_out() == before_out => return None,
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        Some(if out.len() > limit {
            Err(lopdf::DecompressError::MemoryLimitExceeded { limit }.into())
        } else {
            Ok(out)
        })
    })
}

/// lopdf's `get_plain_content_with_limit`: filters applied when `/Filter` names at least one,
/// else the data as stored.
pub(crate) fn decode_plain<'s>(stream: &'s Stream<'_>, limit: usize) -> lopdf::Result<Cow<'s, [u8]>> {
    let named = match stream.dict.get(b"Filter") {
        Some(Object::Name(_)) => true,
        Some(Object::Array(items)) => !items.is_empty() && items.iter().all(|o| o.as_name().is_some()),
        _ => false,
    };
    if !named {
        over_limit(stream.data.len(), limit)?;
        return Ok(Cow::Borrowed(&stream.data));
    }
    lopdf_stream(stream).decompressed_content_with_limit(limit).map(Cow::Owned)
}

fn to_lopdf(object: &Object<'_>) -> lopdf::Object {
    match object {
        Object::Null => lopdf::Object::Null,
        Object::Bool(b) => lopdf::Object::Boolean(*b),
        Object::Int(i) => lopdf::Object::Integer(*i),
        Object::Real(r) => lopdf::Object::Real(*r),
        Object::Name(n) => lopdf::Object::Name(n.to_vec()),
        Object::String(s) => lopdf::Object::String(s.to_vec(), lopdf::StringFormat::Literal),
        Object::Array(a) => lopdf::Object::Array(a.iter().map(to_lopdf).collect()),
        Object::Dict(d) => lopdf::Object::Dictionary(to_lopdf_dict(d)),
        Object::Ref(id) => lopdf::Object::Reference(*id),
        Object::Stream(s) => lopdf::Object::Stream(lopdf::Stream {
            dict: to_lopdf_dict(&s.dict),
            content: s.data.to_vec(),
            allows_compression: true,
            start_position: None,
        }),
    }
}

fn to_lopdf_dict(dict: &Dict<'_>) -> lopdf::Dictionary {
    let mut out = lopdf::Dictionary::new();
    for (k, v) in &dict.0 {
        out.set(k.to_vec(), to_lopdf(v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflating_here_gives_what_lopdf_gives() {
        use std::io::Write;
        let stream = |data: Vec<u8>| Stream {
            dict: Dict(vec![(Cow::Borrowed(&b"Filter"[..]), Object::Name(Cow::Borrowed(b"FlateDecode")))]),
            data: Cow::Owned(data),
        };
        let text: Vec<u8> = (0..100_000u32).flat_map(|i| format!("{i} 0 Td ").into_bytes()).collect();
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&text).unwrap();
        let zipped = z.finish().unwrap();
        for (data, limit) in [
            (zipped.clone(), usize::MAX),
            (zipped.clone(), text.len()),
            (zipped.clone(), text.len() - 1),
            (zipped[..zipped.len() / 2].to_vec(), usize::MAX),
            (b"not zlib at all".to_vec(), usize::MAX),
            (Vec::new(), 10),
        ] {
            let s = stream(data);
            let ours = decode(&s, limit).map(|c| c.into_owned()).map_err(|e| e.to_string());
            let theirs = lopdf_stream(&s).decompressed_content_with_limit(limit).map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "limit {limit}");
        }
        assert_eq!(decode(&stream(zipped), usize::MAX).unwrap().as_ref(), text.as_slice());
    }

    /// ASCII85 as ReportLab writes it: groups of five, `z` for four zero bytes, a short last
    /// group, lines of 64 characters, `~>` at the end.
    fn ascii85(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in data.chunks(4) {
            let mut group = [0u8; 4];
            group[..chunk.len()].copy_from_slice(chunk);
            let mut value = u32::from_be_bytes(group);
            if chunk.len() == 4 && value == 0 {
                out.push(b'z');
                continue;
            }
            let mut digits = [0u8; 5];
            for d in digits.iter_mut().rev() {
                *d = b'!' + (value % 85) as u8;
                value /= 85;
            }
            out.extend_from_slice(&digits[..chunk.len() + 1]);
        }
        let mut lines: Vec<u8> = out.chunks(64).flat_map(|l| l.iter().copied().chain([b'\n'])).collect();
        lines.extend_from_slice(b"~>");
        lines
    }

    #[test]
    fn ascii85_then_flate_gives_what_lopdf_gives() {
        use std::io::Write;
        let stream = |data: Vec<u8>, filters: &[&'static [u8]]| Stream {
            dict: Dict(vec![(
                Cow::Borrowed(&b"Filter"[..]),
                Object::Array(filters.iter().map(|f| Object::Name(Cow::Borrowed(*f))).collect()),
            )]),
            data: Cow::Owned(data),
        };
        let mut text: Vec<u8> = (0..20_000u32).flat_map(|i| format!("{i} 0 Td <0041> Tj ").into_bytes()).collect();
        text.extend_from_slice(&[0; 64]);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&text).unwrap();
        let zipped = z.finish().unwrap();
        let encoded = ascii85(&zipped);
        let chain: &[&'static [u8]] = &[b"ASCII85Decode", b"FlateDecode"];
        let without_eod = encoded[..encoded.len() - 2].to_vec();
        let mut bad_char = encoded.clone();
        bad_char[10] = b'{';
        let mut z_inside = encoded.clone();
        z_inside[2] = b'z';
        for (data, limit) in [
            (encoded.clone(), usize::MAX),
            (encoded.clone(), text.len()),
            (encoded.clone(), text.len() - 1),
            (encoded.clone(), zipped.len() - 1),
            (ascii85(&zipped[..zipped.len() / 2]), usize::MAX),
            (without_eod, usize::MAX),
            (bad_char, usize::MAX),
            (z_inside, usize::MAX),
            (ascii85(b"not zlib at all"), usize::MAX),
            (b"~>".to_vec(), usize::MAX),
            (Vec::new(), 10),
        ] {
            let s = stream(data, chain);
            let ours = decode(&s, limit).map(|c| c.into_owned()).map_err(|e| e.to_string());
            let theirs = lopdf_stream(&s).decompressed_content_with_limit(limit).map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "limit {limit}");
        }
        assert_eq!(decode(&stream(encoded, chain), usize::MAX).unwrap().as_ref(), text.as_slice());
    }
}
