/// A page of a list, DRF's `PageNumberPagination`: 20 items a page, pages numbered from 1.
public struct PageRequest: Equatable, Sendable {
    public static let size = 20

    public let number: Int

    /// `nil` (no `?page=`) means the first page. Numbers below 1 are refused by the caller.
    public init(_ number: Int?) {
        self.number = max(1, number ?? 1)
    }

    public var offset: Int { (number - 1) * Self.size }
    public var limit: Int { Self.size }
}

public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    /// Items in the whole list, not just this page.
    public let count: Int
    public let request: PageRequest

    public init(items: [Item], count: Int, request: PageRequest) {
        self.items = items
        self.count = count
        self.request = request
    }

    public var hasNext: Bool { request.number * PageRequest.size < count }
    public var hasPrevious: Bool { request.number > 1 }
    /// DRF answers a page past the end with 404 "Invalid page."; the first page always exists.
    public var isPastTheEnd: Bool { request.number > 1 && items.isEmpty }

    public func map<Other: Sendable>(_ transform: (Item) throws -> Other) rethrows -> Page<Other> {
        Page<Other>(items: try items.map(transform), count: count, request: request)
    }
}
