// Oracle for test/audit/falco-semantics.test.ts: what Go's standard library (the k8saudit plugin's
// language) answers for ka.uri.param (url.Parse + url.ParseQuery, as extract.go does), RFC 3339
// times (time.Parse(time.RFC3339Nano), the event timestamp) and RE2 POSIX regexes
// (regexp.CompilePOSIX, the same syntax restrictions as re2::RE2::POSIX in libsinsp).
// Reads a JSON array of cases on stdin, writes the same array with "want" filled in.
package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"time"
)

type Case struct {
	Kind    string      `json:"kind"`
	URI     string      `json:"uri,omitempty"`
	Key     string      `json:"key,omitempty"`
	Text    string      `json:"text,omitempty"`
	Pattern string      `json:"pattern,omitempty"`
	Value   string      `json:"value,omitempty"`
	Want    interface{} `json:"want"`
}

func main() {
	var cases []Case
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		panic(err)
	}
	for i := range cases {
		c := &cases[i]
		switch c.Kind {
		case "query":
			c.Want = nil
			u, err := url.Parse(c.URI)
			if err != nil {
				break
			}
			q, err := url.ParseQuery(u.RawQuery)
			if err != nil {
				break
			}
			if v := q[c.Key]; len(v) > 0 {
				c.Want = v[0]
			}
		case "time":
			c.Want = nil
			t, err := time.Parse(time.RFC3339Nano, c.Text)
			if err == nil {
				// seconds.nanoseconds since the epoch, as text (JSON numbers lose precision).
				c.Want = fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond())
			}
		case "regex":
			// libsinsp matches with ANCHOR_BOTH: the whole value. Leftmost-longest (POSIX) finds a
			// match spanning the value whenever one exists, so that is the test.
			re, err := regexp.CompilePOSIX(c.Pattern)
			if err != nil {
				c.Want = "refused"
			} else if loc := re.FindStringIndex(c.Value); loc != nil && loc[0] == 0 && loc[1] == len(c.Value) {
				c.Want = true
			} else {
				c.Want = false
			}
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(cases); err != nil {
		panic(err)
	}
}
