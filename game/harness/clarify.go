package harness

import (
	"strings"
	"time"

	"github.com/voicecmd/voicecmd/engine"
	"github.com/voicecmd/voicecmd/grammar"
)

// ClarifyTimeout is how long a question ("did you mean ...? yes / no") waits for
// the player's answer.
const ClarifyTimeout = 8 * time.Second

// clarification is a question the loop asked: an utterance the filler was unsure
// of (engine.Options.MinConfidence), waiting for a yes or a no from the same player.
type clarification struct {
	source  int
	reading grammar.Reading
	from    engine.Utterance
	asked   time.Time
}

// yesWords and noWords answer a question. Anything else leaves it unanswered: the
// new utterance is understood on its own and the question is dropped.
var (
	yesWords = map[string]bool{"yes": true, "yeah": true, "yep": true, "yup": true, "sure": true, "correct": true,
		"right": true, "do it": true, "yes please": true, "that's right": true, "one": true, "the first": true, "first one": true, "confirm": true, "ok": true, "okay": true}
	noWords = map[string]bool{"no": true, "nope": true, "cancel": true, "never mind": true, "no thanks": true, "wrong": true, "nah": true, "don't": true}
)

var answerPunct = strings.NewReplacer(",", " ", ".", " ", "!", " ", "?", " ")

// answerOf reads a short answer: "Yeah!", "no, cancel" (lowercase, punctuation ignored).
func answerOf(text string) (yes, no bool) {
	t := strings.Join(strings.Fields(answerPunct.Replace(strings.ToLower(text))), " ")
	return yesWords[t], noWords[t]
}

// clarify handles one finished utterance for the question protocol. It returns
// the commands to route now (a confirmed reading) and whether the utterance was an
// answer (then it is not shown as a rejection of its own).
func (l *Loop) clarify(u engine.Utterance, now time.Time) (confirmed []engine.Command, answered bool) {
	if q := l.question; q != nil && q.source == u.Source {
		l.question = nil
		if now.Sub(q.asked) <= ClarifyTimeout {
			yes, no := answerOf(u.Text)
			switch {
			case yes:
				for _, c := range q.reading.Commands {
					confirmed = append(confirmed, engine.Command{Command: c, Source: q.source, Utterance: q.from.ID,
						Text: q.from.Text, Timings: u.Timings})
				}
				l.stats.Confirmed++
				return confirmed, true
			case no:
				l.stats.Declined++
				return nil, true
			}
		}
	}
	if u.Result.Rejected && len(u.Result.Clarify) > 0 {
		l.question = &clarification{source: u.Source, reading: u.Result.Clarify[0], from: u, asked: now}
	}
	return nil, false
}

// Question returns the question the loop is waiting to have answered, as a HUD
// shows it ("did you mean: dodge Sparky left? say yes or no"), or "".
func (l *Loop) Question(now time.Time) string {
	q := l.question
	if q == nil || now.Sub(q.asked) > ClarifyTimeout {
		return ""
	}
	return strings.TrimSuffix(q.from.Result.Reason, "?") + "? say yes or no"
}
