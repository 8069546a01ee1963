export { bufferByteSource, type GgufByteSource } from "./byteCursor";
export {
    DEFAULT_GGUF_PARSE_LIMITS,
    parseGgufHeader,
    type GgufArray,
    type GgufHeader,
    type GgufParseFailure,
    type GgufParseLimits,
    type GgufParseResult,
    type GgufSkippedString,
    type GgufTensorInfo,
    type GgufTokenScan,
    type GgufValue
} from "./ggufParser";
export {
    describeBytes,
    inspectGguf,
    type GgufInspection,
    type GgufMetadataSummary,
    type GgufProblem,
    type GgufProblemKind,
    type InspectGgufOptions
} from "./inspectGguf";
export * from "./ggufTypes";
