-- A mixed GraphQL workload for wrk: list pages with nested data, node
-- lookups, shortlists, searches and mutations, in fixed proportions.
-- Set by run.sh through the environment: TOKEN, INTERNSHIP_ID, STUDENT_IDS.

local token = os.getenv("TOKEN")
local internship = os.getenv("INTERNSHIP_ID")
local students = {}
for id in string.gmatch(os.getenv("STUDENT_IDS") or "", "[^,]+") do
  students[#students + 1] = id
end

local function body(query, vars)
  local v = vars or "{}"
  return '{"query":' .. string.format("%q", query):gsub("\\\n", "\\n") .. ',"variables":' .. v .. '}'
end

local requests = {
  -- weight, operation name, document, variables
  {30, "StudentsPage", "query StudentsPage { students(first: 20) { totalCount edges { node { id name gpa skills { skill level } applications(first: 5) { edges { node { status internship { title partner { name } } } } } } } } }"},
  {20, "NodeLookup", "query NodeLookup($id: ID!) { node(id: $id) { ... on Student { name major graduationYear } } }", "node"},
  {20, "Shortlist", "query Shortlist($id: ID!) { shortlist(internshipId: $id, first: 20) { totalCount edges { node { rank score student { name } matchedSkills missingSkills } } } }", "shortlist"},
  {20, "Search", "query Search($q: String) { searchStudents(query: $q, first: 20, facets: [MAJOR]) { totalCount edges { node { score student { name } } } facets { field buckets { value count } } } }", "search"},
  {10, "UpdateStudent", "mutation UpdateStudent($in: UpdateStudentInput!) { updateStudent(input: $in) { student { id } userErrors { code } } }", "mutation"},
}
local queries = {"casting", "电解铝", "process control", "铸造", "aluminium electrolysis", "flotation"}

local wrk_requests = {}
local counter = 0

local function vars_for(kind, i)
  if kind == "node" then
    return '{"id":"' .. students[(i % #students) + 1] .. '"}'
  elseif kind == "shortlist" then
    return '{"id":"' .. internship .. '"}'
  elseif kind == "search" then
    return '{"q":"' .. queries[(i % #queries) + 1] .. '"}'
  end
  return "{}"
end

-- Each wrk thread gets a number (setup runs in the main VM), so that the
-- statements its mutations write are unique across threads.
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local headers
local deck = {}

init = function(args)
  -- Build a deck of 100 requests in the weights' proportions. Queries are
  -- formatted once; a mutation is formatted when it is sent, with a
  -- statement never written before, so that every write really changes
  -- the student (and its search index document).
  for _, r in ipairs(requests) do
    for n = 1, r[1] do
      deck[#deck + 1] = r
    end
  end
  headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
  for i, r in ipairs(deck) do
    if r[4] ~= "mutation" then
      wrk_requests[i] = wrk.format("POST", "/graphql", headers, body(r[3], vars_for(r[4], i)))
    end
  end
end

request = function()
  counter = counter + 1
  local i = (counter % #deck) + 1
  local r = deck[i]
  if r[4] == "mutation" then
    local id = students[(i % #students) + 1]
    local vars = '{"in":{"id":"' .. id .. '","statement":"load test ' .. (tid or 0) .. "-" .. counter .. '"}}'
    return wrk.format("POST", "/graphql", headers, body(r[3], vars))
  end
  return wrk_requests[i]
end

local errors = 0
response = function(status, headers, b)
  if status ~= 200 or string.find(b, '"errors"', 1, true) then
    errors = errors + 1
    if errors <= 3 then
      io.stderr:write("error response: " .. status .. " " .. string.sub(b, 1, 300) .. "\n")
    end
  end
end

done = function(summary, latency, requests)
  io.write(string.format("requests: %d in %.1f s = %.0f req/s\n", summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6)))
  io.write(string.format("latency p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("socket errors: connect %d read %d write %d timeout %d; non-2xx or GraphQL errors: see stderr\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
