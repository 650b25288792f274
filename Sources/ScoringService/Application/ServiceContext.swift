import Foundation
import Hummingbird

/// The request context: Hummingbird's core storage plus who is calling
/// (set by ``AuthMiddleware``).
public struct ServiceContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated caller; nil on the endpoints that need no token.
    public var caller: Caller?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    public var responseEncoder: JSONEncoder { JSONCoding.encoder }
    public var requestDecoder: JSONDecoder { JSONCoding.decoder }
}
