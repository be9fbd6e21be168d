use super::*;

fn tokens(data: &[u8]) -> Result<Vec<Token<'_>>, LexError> {
    let mut lexer = Lexer::new(data);
    let mut out = Vec::new();
    while let Some(t) = lexer.next()? {
        out.push(t);
    }
    Ok(out)
}

#[test]
fn numbers_as_lopdf_reads_them() {
    let t = tokens(b"1 -2 +3 4. -.5 0.00-4142502 1.5.3 12Td -0 -0.0 9223372036854775807").unwrap();
    assert_eq!(
        t,
        vec![
            Token::Int(1),
            Token::Int(-2),
            Token::Int(3),
            Token::Real(4.0),
            Token::Real(-0.5),
            Token::Real(0.004_142_502),
            Token::Real(1.5),
            Token::Real(0.3),
            Token::Int(12),
            Token::Keyword(b"Td"),
            Token::Int(0),
            Token::Real(-0.0),
            Token::Int(i64::MAX),
        ]
    );
    assert!(matches!(tokens(b"-0.0").unwrap()[0], Token::Real(v) if v.is_sign_negative()));
    // "1-2" is two integers, as in lopdf.
    assert_eq!(tokens(b"1-2").unwrap(), vec![Token::Int(1), Token::Int(-2)]);
}

#[test]
fn reals_round_as_the_standard_library_does() {
    for text in ["0.1", "123.456", "-7.25", "16777216.5", "0.0000001", ".00100000005", "595.276", "1.00000012"] {
        let expected: f32 = text.parse().unwrap();
        assert_eq!(tokens(text.as_bytes()).unwrap(), vec![Token::Real(expected)], "{text}");
    }
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..200_000 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let width = (rng % 13) as usize;
        let text = format!("{}.{:0width$}", rng % 100_000, (rng >> 20) % 10u64.pow(width as u32).max(1));
        let expected: f32 = text.parse().unwrap();
        assert_eq!(real_value(text.as_bytes()), Some(expected), "{text}");
        // Near the middle between two f32s, where rounding twice could go wrong.
        let v = f32::from_bits(0x3800_0000 + (rng as u32 % 0x0F00_0000));
        let middle = (f64::from(v) + f64::from(f32::from_bits(v.to_bits() + 1))) / 2.0;
        for digits in [6, 9, 12, 15] {
            let text = format!("{middle:.digits$}");
            let expected: f32 = text.parse().unwrap();
            assert_eq!(real_value(text.as_bytes()), Some(expected), "{text}");
        }
    }
}

#[test]
fn the_short_number_scan_agrees_with_the_general_one() {
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut taken = 0;
    for _ in 0..100_000 {
        let mut text = String::new();
        text.push_str(["", "-", "+", "", ""][(next() % 5) as usize]);
        for _ in 0..next() % 22 {
            text.push(char::from(b'0' + (next() % 10) as u8));
        }
        if next() % 3 > 0 {
            text.push('.');
            for _ in 0..next() % 22 {
                text.push(char::from(b'0' + (next() % 10) as u8));
            }
        }
        text.push_str(["", " ", "-4", "R", "]", ".5", "7"][(next() % 7) as usize]);
        if text.is_empty() || !matches!(text.as_bytes()[0], b'0'..=b'9' | b'+' | b'-' | b'.') {
            continue;
        }
        let (mut short, mut general) = (Lexer::new(text.as_bytes()), Lexer::new(text.as_bytes()));
        if let Some(token) = short.scan_short_number() {
            taken += 1;
            assert_eq!(Ok(token), general.scan_number(), "{text}");
            assert_eq!(short.pos(), general.pos(), "{text}");
        } else {
            assert_eq!(short.pos(), 0, "{text}");
        }
    }
    assert!(taken > 30_000, "the short scan read only {taken} numbers");
}

#[test]
fn huge_and_broken_numbers_are_errors() {
    assert_eq!(tokens(b"99999999999999999999").unwrap_err().what, "an integer out of range");
    assert_eq!(tokens(b"1 - 2").unwrap_err().pos, 2);
    assert_eq!(tokens(b".").unwrap_err().what, "a sign or a dot without digits");
    // A huge real is infinite, as f32 parsing makes it.
    let long = format!("1{}.5", "0".repeat(100));
    assert_eq!(tokens(long.as_bytes()).unwrap(), vec![Token::Real(f32::INFINITY)]);
}

#[test]
fn names_strings_and_brackets() {
    let t = tokens(b"/F1 /A#42 (a(b)c\\)) <48 65 6c6> [<<>>] % comment\n true").unwrap();
    assert_eq!(
        t,
        vec![
            Token::Name(b"F1"),
            Token::Name(b"A#42"),
            Token::Literal(b"a(b)c\\)"),
            Token::Hex(b"48 65 6c6"),
            Token::ArrayOpen,
            Token::DictOpen,
            Token::DictClose,
            Token::ArrayClose,
            Token::Keyword(b"true"),
        ]
    );
    // A `#` without two hexadecimal digits ends the name, and starts no token.
    let mut lexer = Lexer::new(b"/A#zz");
    assert_eq!(lexer.next(), Ok(Some(Token::Name(b"A"))));
    assert!(lexer.next().is_err());
    let mut out = Vec::new();
    decode_name(b"A#42#4", &mut out);
    assert_eq!(out, b"AB#4");
    out.clear();
    decode_hex(b"48 65 6c6", &mut out);
    assert_eq!(out, b"Hel`");
}

#[test]
fn literal_escapes() {
    let mut out = Vec::new();
    decode_literal(b"a\\nb\\(\\)\\\\\\101\\7777\\q\\\r\nc\r\nd\re\\", &mut out);
    assert_eq!(out, b"a\nb()\\A\xFF7qc\nd\ne");
}

#[test]
fn hostile_strings_fail_cleanly() {
    assert_eq!(tokens(b"(never ends").unwrap_err().what, "a string that never ends");
    assert_eq!(tokens(b"(ends in a backslash\\").unwrap_err().what, "a string that never ends");
    let deep = format!("{}{}", "(".repeat(102), ")".repeat(102));
    assert_eq!(tokens(deep.as_bytes()).unwrap_err().what, "a string nesting parentheses too deep");
    let ok = format!("{}{}", "(".repeat(101), ")".repeat(101));
    assert_eq!(tokens(ok.as_bytes()).unwrap().len(), 1);
    assert!(tokens(b"<12 zz>").is_err());
    assert!(tokens(b"<1234").is_err());
    assert!(tokens(b"a)").is_err());
    assert!(tokens(b"\x80").is_err());
    assert!(tokens(b"{").is_err());
}
