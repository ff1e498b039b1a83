// IRIs of the TinyForge ontology (ontology/tinyforge.ttl) and of the vocabularies it reuses.
#pragma once

#include <string>
#include <string_view>

namespace tinyforge::server::kg::vocab {

inline constexpr std::string_view kTf = "https://w3id.org/tinyforge/ontology#";
inline constexpr std::string_view kDataBase = "https://w3id.org/tinyforge/id/";
inline constexpr std::string_view kRegistryGraph = "https://w3id.org/tinyforge/graph/registry";

inline constexpr std::string_view kRdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
inline constexpr std::string_view kSosa = "http://www.w3.org/ns/sosa/";
inline constexpr std::string_view kSsn = "http://www.w3.org/ns/ssn/";
inline constexpr std::string_view kSsnSystem = "http://www.w3.org/ns/ssn/systems/";
inline constexpr std::string_view kS3n = "http://w3id.org/s3n/";
inline constexpr std::string_view kTd = "https://www.w3.org/2019/wot/td#";
inline constexpr std::string_view kNnet = "https://w3id.org/tinyml-schema/neural-network-schema#";
// Sensor classes of the SeLoC-ML / tinyml-schema SOSA extension (Accelerometer, Microphone...).
inline constexpr std::string_view kSosaExtend =
    "https://w3id.org/tinyml-schema/neural-network-schema/sosa_extend/";
inline constexpr std::string_view kSchema = "https://schema.org/";
inline constexpr std::string_view kOm = "http://www.ontology-of-units-of-measure.org/resource/om-2/";
inline constexpr std::string_view kProv = "http://www.w3.org/ns/prov#";

inline std::string Tf(std::string_view local) { return std::string(kTf) + std::string(local); }
inline std::string Rdf(std::string_view local) { return std::string(kRdf) + std::string(local); }
inline std::string Ssn(std::string_view local) { return std::string(kSsn) + std::string(local); }
inline std::string SsnSystem(std::string_view local) { return std::string(kSsnSystem) + std::string(local); }
inline std::string S3n(std::string_view local) { return std::string(kS3n) + std::string(local); }
inline std::string Sosa(std::string_view local) { return std::string(kSosa) + std::string(local); }
inline std::string Td(std::string_view local) { return std::string(kTd) + std::string(local); }
inline std::string Nnet(std::string_view local) { return std::string(kNnet) + std::string(local); }
inline std::string Schema(std::string_view local) { return std::string(kSchema) + std::string(local); }
inline std::string Om(std::string_view local) { return std::string(kOm) + std::string(local); }
inline std::string Prov(std::string_view local) { return std::string(kProv) + std::string(local); }

// PREFIX lines for every query the server sends.
inline constexpr std::string_view kPrefixes =
    "PREFIX tf: <https://w3id.org/tinyforge/ontology#>\n"
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
    "PREFIX ssn: <http://www.w3.org/ns/ssn/>\n"
    "PREFIX sosa: <http://www.w3.org/ns/sosa/>\n"
    "PREFIX schema: <https://schema.org/>\n"
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n";

}  // namespace tinyforge::server::kg::vocab
