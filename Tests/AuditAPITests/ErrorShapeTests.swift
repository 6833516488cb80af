import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OpenAPIRuntime
import Testing

@testable import AuditAPI

@Suite("DRF-shaped errors")
struct ErrorShapeTests {
    @Test func unknownPathsAndMethods() async throws {
        try await withAPI { client, _ in
            let missing = try await client.execute(uri: "/api/v1/nothing-here/", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "application/json")
            #expect(try missing.json() as? [String: String] == ["detail": "Not found."])

            let wrongMethod = try await client.execute(uri: "/healthz", method: .delete)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "GET, HEAD")
            #expect(try wrongMethod.json() as? [String: String] == ["detail": "Method \"DELETE\" not allowed."])

            let trailingSlash = try await client.execute(uri: "/api/schema", method: .put)
            #expect(trailingSlash.status == .methodNotAllowed)
        }
    }

    @Test func bodiesOfTheWrongTypeOrShape() async throws {
        try await withAPI { client, _ in
            let plain = try await client.execute(
                uri: "/api/v1/auth/token/",
                method: .post,
                headers: [.contentType: "text/plain"],
                body: ByteBuffer(string: "email=a")
            )
            #expect(plain.status == .unsupportedMediaType)
            #expect(try plain.json() as? [String: String] == ["detail": "Unsupported media type \"text/plain\" in request."])

            let broken = try await client.execute(
                uri: "/api/v1/auth/token/",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{\"email\": ")
            )
            #expect(broken.status == .badRequest)
            #expect(try broken.json() as? [String: String] == ["detail": "JSON parse error - the request body is not valid JSON."])

            let wrongType = try await client.execute(
                uri: "/api/v1/auth/token/",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"email": 42, "password": "x"}"#)
            )
            #expect(wrongType.status == .badRequest)
            #expect(try wrongType.json() as? [String: [String]] == ["email": ["Not a valid string."]])
        }
    }

    /// Every error the renderer knows, checked through the same middleware on a router whose routes
    /// throw them (some, such as 500, no endpoint produces on purpose).
    @Test(arguments: [
        (Self.failing(APIError.notAuthenticated), 401, #"{"detail":"Authentication credentials were not provided."}"#),
        (Self.failing(HTTPError(.forbidden)), 403, #"{"detail":"You do not have permission to perform this action."}"#),
        (Self.failing(APIError.throttled(retryAfter: 7)), 429, #"{"detail":"Request was throttled. Expected available in 7 seconds."}"#),
        (Self.failing(APIError(validation: ["email": ["This field is required."]])), 400, #"{"email":["This field is required."]}"#),
        (
            Self.failing(DecodingError.keyNotFound(Key("password"), .init(codingPath: [], debugDescription: ""))), 400,
            #"{"password":["This field is required."]}"#
        ),
        (
            Self.failing(DecodingError.typeMismatch(Int.self, .init(codingPath: [Key("page")], debugDescription: ""))), 400,
            #"{"page":["Not a valid integer."]}"#
        ),
        (
            Self.failing(DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "bad"))), 400,
            #"{"detail":"JSON parse error - the request body is not valid JSON."}"#
        ),
        (Self.unsupportedMediaType, 415, #"{"detail":"Unsupported media type \"text/plain\" in request."}"#),
        (Self.failing(SecretLeak()), 500, #"{"detail":"A server error occurred."}"#),
    ])
    func rendered(failure: Failure, status: Int, body: String) async throws {
        let router = Router(context: AppRequestContext.self)
        router.addMiddleware { ErrorMiddleware() }
        router.get("/fail") { _, _ -> Response in throw failure.error }
        try await Application(router: router).test(.router) { client in
            let response = try await client.execute(uri: "/fail", method: .get, headers: [.contentType: "text/plain"])
            #expect(response.status.code == status)
            #expect(String(buffer: response.body) == body)
            #expect(response.headers[.contentType] == "application/json")
            if status == 429 { #expect(response.headers[.retryAfter] == "7") }
        }
    }

    struct Failure: Sendable, CustomTestStringConvertible {
        let error: any Error & Sendable
        var testDescription: String { String(describing: type(of: error)) }
    }

    static let request = HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/fail", headerFields: [.contentType: "text/plain"])

    static func failing(_ error: some Error & Sendable) -> Failure {
        // Generated handlers report decoding failures wrapped in ServerError.
        if error is DecodingError {
            return Failure(
                error: ServerError(
                    operationID: "test",
                    request: request,
                    requestBody: nil,
                    requestMetadata: .init(),
                    causeDescription: "test",
                    underlyingError: error
                )
            )
        }
        return Failure(error: error)
    }

    /// What the generated server throws for a body of the wrong content type (its error type is internal).
    static let unsupportedMediaType = Failure(
        error: ServerError(
            operationID: "test",
            request: request,
            requestBody: nil,
            requestMetadata: .init(),
            causeDescription: "Unexpected content type",
            underlyingError: SecretLeak(),
            httpStatus: .unsupportedMediaType,
            httpHeaderFields: [:],
            httpBody: nil
        )
    )

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ value: String) { stringValue = value }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Its text must never reach the client.
    struct SecretLeak: Error, CustomStringConvertible {
        var description: String { "password=hunter2 at db.internal" }
    }
}

@Suite("Error logging")
struct ErrorLoggingTests {
    @Test func serverErrorsAreLoggedWithoutTheRequest() {
        let request = HTTPRequest(
            method: .post,
            scheme: nil,
            authority: nil,
            path: "/api/v1/integrations/github/",
            headerFields: [.authorization: "Bearer secret-access-token"]
        )
        let error = ServerError(
            operationID: "connectGitHub",
            request: request,
            requestBody: HTTPBody(#"{"token": "ghp_secret"}"#),
            requestMetadata: .init(),
            causeDescription: "User handler threw an error.",
            underlyingError: ErrorShapeTests.SecretLeak()
        )
        let logged = ErrorMiddleware.loggable(error)
        #expect(logged.hasPrefix("connectGitHub: "))
        #expect(!logged.contains("secret-access-token"))
        #expect(!logged.contains("ghp_secret"))
        #expect(String(reflecting: error).contains("secret-access-token"), "the unsanitised form would have leaked it")
    }
}
