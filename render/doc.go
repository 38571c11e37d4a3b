// Package render turns a message template into exactly what will be sent: it
// validates templates when they are saved, substitutes variables at send or
// preview time, adds the advertisement text Korean law requires and enforces the
// carriers' and Kakao's length rules. It is pure logic: no database, no network.
//
// # Variables
//
// A variable is written #{name}. A name is one or more characters, each a Unicode
// letter (Hangul included), a Unicode decimal digit, "_", "." or "-": #{이름},
// #{coupon_code}, #{order.id}, #{쿠폰-코드}. Nothing else may appear between the
// braces — not even spaces, so "#{ 이름 }" is a mistake, not a variable. Names are
// compared after Unicode NFC normalisation, so a name typed on a Mac (which may
// store Hangul decomposed) matches the same name typed elsewhere.
//
// "#{" that does not start a well-formed variable (an empty "#{}", a name with a
// forbidden character, or no "}" before the end of the line or the next "#{") is
// a malformed placeholder; Validate reports it with its line and column, and Render
// refuses the template. There is no escape for a literal "#{".
//
// Values are inserted literally: a value that itself contains "#{x}" is sent as
// those characters and never expanded again. In a button's address a value is
// percent-encoded for where it stands (substituteURL): as a query parameter's
// value it is one component; elsewhere only what an address cannot hold is
// encoded. In an HTML e-mail body (IsHTML: one that opens with a document
// type, a comment or an HTML element's tag that shows markup) values are
// HTML-escaped. A variable whose key is absent from the values is missing; an
// empty value is a value (callers that treat blanks as missing should leave
// them out of the map).
//
// # Length rules
//
// SMS holds 90 bytes and LMS 2,000 bytes with a 40-byte title, counted the way
// Korean carriers count: the EUC-KR/CP949 length, where ASCII is 1 byte and every
// other character is 2 (see SMSBytes). AlimTalk holds 1,000 characters (Unicode
// code points) and up to 5 buttons whose names hold 14 characters.
//
// Rows keep bounded text too: a button address holds 2,000 characters, an
// e-mail's or AlimTalk's subject 500, an AlimTalk template code 64 and a sender
// key 128, an e-mail body 64,000 bytes (UTF-8).
//
// Lengths are checked twice. Validate checks the template as written, variables
// left as "#{name}", because the values are not known when it is saved. Render
// checks again with the values in place, and that check decides: an SMS whose
// rendered body outgrows 90 bytes is sent as LMS; a rendered text over any other
// limit (LMS, AlimTalk, a subject, an e-mail body, a button address) is refused
// with a *LimitError.
//
// # Advertisements
//
// Korean law (정보통신망법 제50조) requires an advertising message to start with
// "(광고)" and the sender's name and to end with a free way to opt out. For a
// template marked Advertisement both are added automatically — the operator does
// not write them — and they count toward the length limits:
//
//	SMS/LMS body, and the SMS/LMS fallback of an AlimTalk:
//	    "(광고) " + account name + "\n" + body + "\n무료수신거부 " + opt-out number
//	    (without an account name: "(광고) " + body + "\n무료수신거부 " + opt-out number)
//	e-mail:
//	    subject "(광고) " + subject; body + "\n무료수신거부 " + opt-out number
//	    (an HTML body: a paragraph "무료수신거부 " + opt-out number before "</body>")
//	AlimTalk body: unchanged, because Kakao delivers an AlimTalk only when its text
//	    matches the approved template exactly.
//
// An advertisement cannot be saved or sent while the account has no opt-out
// number (account setting optout_number).
package render
