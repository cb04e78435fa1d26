// Where the sample's server listens. `minihost run` (no app) starts one and rewrites this
// file in the unpacked sample; empty means no server, and paid episodes stay locked.
window.SAMPLE_BACKEND_URL = '';
