import Core
import Foundation
import Testing

/// The second factor against the RFCs' own test vectors, and the rules around typing a code in:
/// which steps are accepted, which inputs are refused, and the recovery codes that replace it.
@Suite("TOTP")
struct TOTPTests {
    /// RFC 4226 Appendix D and RFC 6238 Appendix B share this secret (the SHA-1 case).
    let rfcSecret = Array("12345678901234567890".utf8)

    @Test func hotpMatchesRFC4226AppendixD() {
        let expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
        for (counter, code) in expected.enumerated() {
            #expect(TOTP.code(secret: rfcSecret, counter: UInt64(counter)) == code, "counter \(counter)")
        }
    }

    @Test func totpMatchesRFC6238AppendixB() {
        let vectors: [(time: TimeInterval, code: String)] = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ]
        let totp = TOTP(secret: rfcSecret)
        for vector in vectors {
            let date = Date(timeIntervalSince1970: vector.time)
            let step = totp.step(of: date)
            #expect(step == UInt64(vector.time) / 30, "time \(vector.time)")
            #expect(TOTP.code(secret: rfcSecret, counter: step, digits: 8) == vector.code, "time \(vector.time)")
            #expect(totp.code(at: date) == String(vector.code.suffix(6)), "time \(vector.time)")
        }
    }

    @Test func stepsCountWholePeriodsFromTheEpoch() {
        let totp = TOTP(secret: rfcSecret)
        #expect(totp.step(of: Date(timeIntervalSince1970: 29.999)) == 0)
        #expect(totp.step(of: Date(timeIntervalSince1970: 30)) == 1)
        #expect(totp.step(of: Date(timeIntervalSince1970: -45)) == 0)
    }

    @Test func codesAreZeroPadded() {
        // Both keep a leading zero that a plain integer rendering would drop.
        #expect(TOTP.code(secret: rfcSecret, counter: 37_037_036, digits: 8) == "07081804")
        #expect(TOTP.code(secret: rfcSecret, counter: 37_037_037) == "050471")
    }

    @Test func matchingStepAcceptsOneStepOfDriftEitherWay() {
        let totp = TOTP(secret: rfcSecret)
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        let current = totp.step(of: now)
        #expect(current == 37_037_037)
        #expect(totp.code(at: now) == "050471")
        for offset in [-1, 0, 1] {
            let step = UInt64(Int64(current) + Int64(offset))
            let code = TOTP.code(secret: rfcSecret, counter: step)
            #expect(totp.matchingStep(code, at: now) == step, "offset \(offset)")
        }
        for offset in [-2, 2] {
            let step = UInt64(Int64(current) + Int64(offset))
            let code = TOTP.code(secret: rfcSecret, counter: step)
            #expect(totp.matchingStep(code, at: now) == nil, "offset \(offset)")
            #expect(totp.matchingStep(code, at: now, window: 2) == step, "offset \(offset), wider window")
        }
        #expect(totp.matchingStep("000000", at: now) == nil)
    }

    @Test func matchingStepTakesCodesAsPeopleTypeThem() {
        let totp = TOTP(secret: rfcSecret)
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        #expect(totp.matchingStep("050 471", at: now) == 37_037_037)
        #expect(totp.matchingStep("  050471 ", at: now) == 37_037_037)
        #expect(totp.matchingStep(" 050 471\n", at: now) == 37_037_037)
    }

    @Test func matchingStepRefusesAnythingButSixDigits() {
        let totp = TOTP(secret: rfcSecret)
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        for input in ["", "12345", "1234567", "abcdef", "05047a", "0504711", "050  471", "05 04 71", "050-471", "+50471", "٠٥٠٤٧١"] {
            #expect(totp.matchingStep(input, at: now) == nil, "\(input)")
        }
    }

    @Test func base32MatchesRFC4648WithoutPadding() {
        let vectors = [
            ("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ]
        for (plain, encoded) in vectors {
            #expect(TOTP(secret: Array(plain.utf8)).base32Secret == encoded, "\(plain)")
            if plain.isEmpty {
                #expect(TOTP(base32: encoded)?.secret == nil, "an empty secret is no secret")
            } else {
                #expect(TOTP(base32: encoded)?.secret == Array(plain.utf8), "\(encoded)")
            }
        }
        #expect(TOTP(secret: rfcSecret).base32Secret == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    }

    @Test func base32ReadsSecretsAsPeopleCopyThem() {
        #expect(TOTP(base32: "mzxw6ytboi")?.secret == Array("foobar".utf8))
        #expect(TOTP(base32: "MZXW6YQ=")?.secret == Array("foob".utf8))
        #expect(TOTP(base32: "MZXW6===")?.secret == Array("foo".utf8))
        #expect(TOTP(base32: "gezd gnbv gy3t qojq gezd gnbv gy3t qojq")?.secret == rfcSecret)
        for _ in 0..<5 {
            let totp = TOTP.generate()
            #expect(totp.secret.count == 20)
            #expect(TOTP(base32: totp.base32Secret)?.secret == totp.secret)
            #expect(TOTP(base32: totp.base32Secret.lowercased())?.secret == totp.secret)
        }
        #expect(TOTP.generate().secret != TOTP.generate().secret)
    }

    @Test func base32RefusesOtherCharacters() {
        for input in ["", " ", "====", "MZXW6YT1", "MZXW6YT8", "MZXW6YT0", "MZ=XW6", "MZXW-6", "MZXW6\n", "ßZXW6", "MZXW6é"] {
            #expect(TOTP(base32: input)?.secret == nil, "\(input)")
        }
    }

    @Test func otpauthURIEncodesLabelAndParameters() {
        let totp = TOTP(secret: rfcSecret)
        #expect(
            totp.otpauthURI(issuer: "AuditMate", account: "a+b@example.com")
                == "otpauth://totp/AuditMate:a%2Bb%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                + "&issuer=AuditMate&algorithm=SHA1&digits=6&period=30"
        )
        let uri = totp.otpauthURI(issuer: "Audit Mate: EU", account: "x:y~z_1.2-3")
        #expect(uri.hasPrefix("otpauth://totp/Audit%20Mate%3A%20EU:x%3Ay~z_1.2-3?secret="))
        #expect(uri.contains("&issuer=Audit%20Mate%3A%20EU&"))
    }

    @Test func descriptionDoesNotRevealTheSecret() {
        let totp = TOTP(secret: rfcSecret)
        #expect("\(totp)" == "TOTP(secret: <redacted>)")
    }
}

@Suite("Recovery codes")
struct RecoveryCodesTests {
    @Test func generatesDistinctCodesInFiveFiveGroups() {
        let codes = RecoveryCodes.generate()
        #expect(codes.count == 10)
        #expect(Set(codes).count == 10)
        for code in codes {
            #expect(code.wholeMatch(of: /[2-9a-hjkmnp-z]{5}-[2-9a-hjkmnp-z]{5}/) != nil, "\(code)")
            #expect(RecoveryCodes.normalized(code) == code.replacingOccurrences(of: "-", with: ""))
        }
        #expect(RecoveryCodes.generate(count: 3).count == 3)
        #expect(RecoveryCodes.generate(count: 0).isEmpty)
    }

    @Test func normalizedForgivesCaseHyphensAndSpaces() {
        for input in ["k7rq2-m9xtb", "K7RQ2-M9XTB", "k7rq2m9xtb", " k7rq2 m9xtb ", "K7rQ2 - M9xTb"] {
            #expect(RecoveryCodes.normalized(input) == "k7rq2m9xtb", "\(input)")
        }
    }

    @Test func normalizedRefusesWrongLengthOrAlphabet() {
        let inputs = [
            "", "k7rq2-m9xt", "k7rq2-m9xtbb", "k7rq-2m9x",
            "k7rq2-m9xt0", "k7rq2-m9xto", "k7rq2-m9xt1", "k7rq2-m9xtl", "k7rq2-m9xti", "k7rq2_m9xtb", "k7rq2-m9xtá",
        ]
        for input in inputs {
            #expect(RecoveryCodes.normalized(input) == nil, "\(input)")
        }
    }

    @Test func hashIsStableLowercaseHexSHA256() {
        let hash = RecoveryCodes.hash("k7rq2m9xtb")
        #expect(hash == "8d644092141a8680f0b8e78516035dc77584e70d49f542b688d3b7a36d37eb32")
        #expect(hash.count == 64)
        #expect(hash.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(RecoveryCodes.hash("k7rq2m9xtb") == hash)
        #expect(RecoveryCodes.hash("k7rq2m9xtc") != hash)
    }
}
