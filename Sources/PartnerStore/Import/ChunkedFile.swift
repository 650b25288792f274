import Foundation

/// Reads a file in large chunks that end on a record boundary: a line feed
/// outside double quotes (CSV) or any line feed (JSON Lines). Memory stays at
/// about one chunk whatever the file's size.
final class ChunkedFile {
    let path: String
    let display: String
    private let descriptor: Int32
    private var carry: [UInt8] = []
    private var atEnd = false
    private let quoteAware: Bool
    private let chunkSize: Int
    private var isFirstChunk = true

    init(path: String, display: String, quoteAware: Bool, chunkSize: Int = 1 << 20) throws {
        self.path = path
        self.display = display
        self.quoteAware = quoteAware
        self.chunkSize = chunkSize
        readBuffer = .allocate(capacity: chunkSize)
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw PartnerStoreError("cannot open: \(String(cString: strerror(errno)))", file: display,
                                    hint: "check the path and its permissions")
        }
    }

    private let readBuffer: UnsafeMutableBufferPointer<UInt8>

    deinit {
        close(descriptor)
        readBuffer.deallocate()
    }

    /// The next run of whole records, or nil at the end. The UTF-8 byte
    /// order mark at the start of the file is dropped (anywhere else it is
    /// data, which the readers refuse).
    func nextChunk() throws -> ArraySlice<UInt8>? {
        var data = carry
        carry = []
        var scanned = 0
        var inQuotes = false
        var lastBoundary = -1
        while true {
            // Scan the bytes not scanned yet for the last record boundary.
            data.withUnsafeBufferPointer { buffer in
                if quoteAware && !inQuotes && scanned < buffer.count
                    && memchr(buffer.baseAddress! + scanned, 0x22, buffer.count - scanned) == nil {
                    // No quote in the new bytes (the usual events file): the
                    // last line feed is the boundary, found without a loop in Swift.
                    if let i = buffer[scanned...].lastIndex(of: 0x0A) { lastBoundary = i }
                } else if quoteAware {
                    for i in scanned..<buffer.count {
                        let byte = buffer[i]
                        if byte == 0x22 {
                            inQuotes.toggle()
                        } else if byte == 0x0A && !inQuotes {
                            lastBoundary = i
                        }
                    }
                } else if let i = buffer[scanned...].lastIndex(of: 0x0A) {
                    lastBoundary = i
                }
            }
            scanned = data.count
            if atEnd || (data.count >= chunkSize && lastBoundary >= 0) { break }
            let got = read(descriptor, readBuffer.baseAddress!, chunkSize)
            guard got >= 0 else {
                throw PartnerStoreError("cannot read: \(String(cString: strerror(errno)))", file: display)
            }
            data.append(contentsOf: UnsafeBufferPointer(start: readBuffer.baseAddress!, count: got))
            if got == 0 { atEnd = true }
        }
        let end = atEnd ? data.count : lastBoundary + 1
        if end < data.count { carry = Array(data[end...]) }
        var start = 0
        if isFirstChunk {
            isFirstChunk = false
            if data.count >= 3, data[0] == 0xEF, data[1] == 0xBB, data[2] == 0xBF { start = 3 }
        }
        if start >= end { return atEnd && carry.isEmpty ? nil : data[end..<end] }
        return data[start..<end]
    }
}
