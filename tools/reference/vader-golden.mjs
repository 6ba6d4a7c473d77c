// Golden VADER scores made by the reference implementation itself: npm `vader-sentiment` 1.1.3 (Apache-2.0,
// Comcast's JavaScript port of Hutto & Gilbert's VADER), run with Node 20. Nothing here is computed by Mien.
//
//   node vader-golden.mjs [--package DIR] [--out ../../tests/golden/vader/vader-golden.json] [--random N] [--seed S]
//
// DIR is the unpacked package (the folder holding package.json and build/vaderSentiment.bundle.js). Default: the
// copy Mien's verified package store keeps ($MIEN_CACHE_DIR or ~/.cache/mien, npm/packages/vader-sentiment/1.1.3/files),
// so run `mien text "hello"` once first, or point --package at `npm pack vader-sentiment@1.1.3` unpacked.
// Needs no npm install: the package has no dependencies.
//
// Cases: the example sentences of VADER's README (with the scores the Python README publishes, for comparison), a
// hand-written list aimed at each rule, and N seeded random compositions of lexicon words, boosters, negations,
// "but", idioms, capitals and punctuation. The generator is mulberry32, so the file is reproducible.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};

const cache = process.env.MIEN_CACHE_DIR
  || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mien');
const packageDir = resolve(arg('--package', join(cache, 'npm', 'packages', 'vader-sentiment', '1.1.3', 'files')));
const out = resolve(arg('--out', join(here, '..', '..', 'tests', 'golden', 'vader', 'vader-golden.json')));
const randomCount = Number(arg('--random', '400'));
const seed = Number(arg('--seed', '20140601'));

const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
if (pkg.name !== 'vader-sentiment' || pkg.version !== '1.1.3') {
  throw new Error(`${packageDir} holds ${pkg.name}@${pkg.version}, expected vader-sentiment@1.1.3`);
}
const require = createRequire(join(packageDir, 'package.json'));
const vader = require(join(packageDir, pkg.main));
const score = (text) => vader.SentimentIntensityAnalyzer.polarity_scores(text);

// The Python package's README examples and the scores it publishes (vaderSentiment 3.3.x). The JavaScript port
// predates some Python changes (emoji, "at all"), so the two need not agree; the file records whether they do.
const published = [
  ['VADER is smart, handsome, and funny.', 0.0, 0.254, 0.746, 0.8316],
  ['VADER is smart, handsome, and funny!', 0.0, 0.248, 0.752, 0.8439],
  ['VADER is very smart, handsome, and funny.', 0.0, 0.299, 0.701, 0.8545],
  ['VADER is VERY SMART, handsome, and FUNNY.', 0.0, 0.246, 0.754, 0.9227],
  ['VADER is VERY SMART, handsome, and FUNNY!!!', 0.0, 0.233, 0.767, 0.9342],
  ['VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!', 0.0, 0.294, 0.706, 0.9469],
  ['VADER is not smart, handsome, nor funny.', 0.646, 0.354, 0.0, -0.7424],
  ['The book was good.', 0.0, 0.508, 0.492, 0.4404],
  ["At least it isn't a horrible book.", 0.0, 0.637, 0.363, 0.431],
  ['The book was only kind of good.', 0.0, 0.697, 0.303, 0.3832],
  ['The plot was good, but the characters are uncompelling and the dialog is not great.', 0.327, 0.579, 0.094, -0.7042],
  ['Today SUX!', 0.779, 0.221, 0.0, -0.5461],
  ["Today only kinda sux! But I'll get by, lol", 0.127, 0.556, 0.317, 0.5249],
  ['Make sure you :) or :D today!', 0.0, 0.294, 0.706, 0.8633],
  ['Catch utf-8 emoji such as such as 💘 and 💋 and 😁', 0.0, 0.721, 0.279, 0.7003],
  ['Not bad at all', 0.0, 0.513, 0.487, 0.431],
];

// One or more sentences per rule of the reference (see vaderSentiment.js).
const rules = [
  '', '   ', 'a', 'the table is brown', 'good', 'GOOD', 'Good', 'bad', 'BAD!!!', 'good!!!!!!', 'good??', 'good???',
  'good????', 'bad?', 'bad??!!', 'neutral words only?!?!', 'very good', 'VERY good', 'very GOOD', 'VERY GOOD',
  'it is VERY GOOD and I am happy', 'it is very bad', 'it is VERY bad and sad', 'extremely very good', 'not good',
  'not very good', 'not so very good', 'never good', 'never so good', 'never this good', 'never so very good',
  'never this very bad', 'it was never so bad', 'so very good', 'this very good', 'isn\'t good', 'ISN\'T good',
  'wasn\'t bad', 'dont like it', 'it aint bad', 'without love', 'nothing good', 'rarely happy', 'despite the love',
  'uh-uh good', 'uhuh good', 'not not good', 'least good', 'the least good', 'at least good', 'very least good',
  'AT least good', 'at LEAST good', 'least', 'kind of good', 'kind of bad', 'it is kind of good', 'kinda good',
  'sort of good', 'sorta bad', 'the book was kind of good', 'just enough good', 'it is just enough good here',
  'kind of', 'good but bad', 'bad but good', 'good BUT bad', 'good But bad', 'but', 'but good', 'good but',
  'good, but bad', 'good but, bad', 'the shit', 'that is the shit', 'this is the bomb', 'a bad ass movie',
  'yeah right', 'yeah right, sure', 'it does not cut the mustard', 'he will cut the mustard', 'the kiss of death',
  'living hand to mouth', 'that movie was the shit!', 'THE SHIT', ':)', ':(', ':-)', ':D', 'I love it :)',
  'I hate it :(', '<3', '</3', 'lol', 'LOL', 'lmao', 'haha', 'good.', '.good', '"good"', "'good'", '(good)',
  'good,', ',good', 'good;', 'good:', 'good-', '-good', '!!good', 'good!?!', 'good?!?!', 'good!!!', "don't,",
  "isn't.", 'good\tbad', 'good  bad', 'good\nbad', 'good\u00a0bad', 'good\u2003bad', 'café good', 'naïve bad',
  'GOOD bad', 'good BAD', 'I', 'I AM GOOD', 'I am GOOD', 'K.O. good', '1337 good', '143', 'it is 2g2b4g',
  'hand good', 'not hand', 'good and bad and ugly', 'fucking good', 'fucking bad', 'FUCKING good', 'effing good',
  'hardly good', 'HARDLY good', 'barely bad', 'somewhat good', 'slightly bad', 'little good', 'less bad',
  'more good', 'most good', 'So good', 'SO good', 'so good', 'so so good', 'so so so good', 'so very extremely good',
  'not very extremely good', 'never very good', 'never very so good', 'very never so good', 'never so',
  'never this bad', 'nor good', 'none good', 'good good good good good good good good', 'bad bad bad bad bad bad',
  'the best thing ever', 'the worst thing ever', 'I do not hate it', 'I do not not hate it', "I can't stand it",
  "I CAN'T stand it", 'cant complain', 'it is not bad at all', 'Not bad at all', 'not bad, but not good either',
  'He is kind', 'He is kind of kind', 'kind of kind of good', 'a kind of magic', 'KIND OF good', 'Kind Of good',
  'sux', 'SUX', 'Today SUX', 'today sux!', 'wtf', 'WTF!!', 'omg', 'yay', 'YAY', 'ugh', 'meh', 'yes', 'no',
  'no good', 'NO', 'true', 'false', 'hope', 'hopeless', 'unhappy', 'not unhappy', 'very unhappy', 'happy?',
  'happy??', 'happy???', 'happy????', 'happy?!', 'sad!', 'sad!!', 'sad!!!', 'sad!!!!', 'sad!!!!!', 'sad!!!!!!',
  '!!!', '???', 'good ... bad', 'good...', '...good', 'good!!', '!!good!!', 'good!!!.', 'good?!', 'wow!!',
  'Wow, that was amazing, but the ending was awful.', 'I really, REALLY love this.', 'I kind of hate it',
  'this is not the worst', 'I would never say that this is good', 'never ever good', 'not at all good',
  'at least it is not bad', 'the very least he could do', 'least of all good', 'not the least bit good',
  'The food here is absolutely terrible!!! But the staff are very friendly.',
  'I am not happy, not happy at all :(', 'Honestly? It was fine.', 'It was fine?', 'Fine.', 'FINE.',
  'thank you so much', 'thanks a lot!', 'sorry', 'I am so sorry', 'love', 'LOVE', 'I LOVE it', 'I love IT',
  'I L O V E it', 'goooood', 'good-bad', 'good/bad', 'good|bad', 'good_bad', 'the good, the bad and the ugly',
];

// mulberry32: the same generator as tools/reference/lib.mjs
function mulberry32(a) {
  return function () {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const lexiconLines = readFileSync(join(packageDir, 'vader_lexicon.txt'), 'utf8').split('\n').filter((l) => l.length > 0);
const lexWords = lexiconLines.map((l) => l.split('\t')[0]);
const alpha = lexWords.filter((w) => /^[a-z]+$/.test(w));
const emoticons = lexWords.filter((w) => !/[a-z]/.test(w) && !/\s/.test(w));
const boosters = ['absolutely', 'very', 'really', 'so', 'extremely', 'totally', 'uber', 'friggin', 'most', 'more',
  'quite', 'hella', 'almost', 'barely', 'hardly', 'kinda', 'sorta', 'slightly', 'somewhat', 'little', 'less',
  'kind of', 'sort of', 'just enough', 'kind-of', 'sort-of', 'kindof'];
const negations = ['not', 'never', "isn't", "don't", 'dont', "can't", 'cannot', 'without', 'nothing', 'none', 'nor',
  'rarely', 'seldom', 'despite', "wouldn't", 'aint', "ain't", 'neither', 'uhuh', 'uh-uh', "shouldn't"];
const fillers = ['the', 'a', 'it', 'is', 'was', 'movie', 'food', 'I', 'you', 'we', 'they', 'and', 'or', 'of', 'to',
  'this', 'that', 'so', 'at', 'least', 'very', 'kind', 'book', 'today', 'he', 'she', 'really', 'only', 'just',
  'enough', 'sort', 'but', 'BUT', 'But', 'never', 'yeah', 'right', 'cut', 'mustard', 'kiss', 'death', 'hand',
  'mouth', 'shit', 'bomb', 'bad', 'ass', 'lol', 'x', 'é', '2', 'café'];
const puncts = ['', '', '', '.', ',', '!', '!!', '!!!', '?', '??', '???', '?!?', '!?!', ';', ':', '-', "'", '"',
  '...', ')', '(', '?!?!', '!!!!!'];
const separators = [' ', ' ', ' ', ' ', ' ', ' ', '  ', '\t', '\u00a0'];

const rand = mulberry32(seed);
const pick = (list) => list[Math.floor(rand() * list.length)];
const caps = (w) => (rand() < 0.15 ? w.toUpperCase() : rand() < 0.1 ? w[0].toUpperCase() + w.slice(1) : w);

function randomSentence() {
  const n = 2 + Math.floor(rand() * 12);
  const words = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    let w;
    if (r < 0.3) w = pick(alpha);
    else if (r < 0.4) w = pick(boosters);
    else if (r < 0.52) w = pick(negations);
    else if (r < 0.58) w = pick(emoticons);
    else w = pick(fillers);
    w = caps(w);
    if (rand() < 0.2) w += pick(puncts);
    if (rand() < 0.05) w = pick(['"', "'", '(', '-', '.', '!']) + w;
    words.push(w);
  }
  let s = '';
  for (let i = 0; i < words.length; i++) s += (i > 0 ? pick(separators) : '') + words[i];
  return s + pick(puncts);
}

const cases = [];
for (const [text, neg, neu, pos, compound] of published) {
  const r = score(text);
  const agrees = Math.abs(r.compound - compound) < 5e-5 && Math.abs(r.neg - neg) < 5e-4
    && Math.abs(r.neu - neu) < 5e-4 && Math.abs(r.pos - pos) < 5e-4;
  cases.push({ kind: 'readme', text, reference: r, published: { neg, neu, pos, compound }, referenceAgreesWithPublished: agrees });
}
for (const text of rules) cases.push({ kind: 'rule', text, reference: score(text) });
const seen = new Set(cases.map((c) => c.text));
while (cases.filter((c) => c.kind === 'random').length < randomCount) {
  const text = randomSentence();
  if (seen.has(text)) continue;
  seen.add(text);
  cases.push({ kind: 'random', text, reference: score(text) });
}

const doc = {
  reference: 'npm vader-sentiment@1.1.3 (build/vaderSentiment.bundle.js), Apache-2.0, Copyright 2018 Comcast Cable Communications Management, LLC',
  generatedBy: 'tools/reference/vader-golden.mjs',
  node: process.version,
  seed,
  note: 'Scores are the reference output (neg/neu/pos rounded to 3 decimals and compound to 4 by the reference itself). Never regenerate to make a test pass.',
  cases,
};
writeFileSync(out, JSON.stringify(doc, null, 1) + '\n');
const readme = cases.filter((c) => c.kind === 'readme');
console.error(`wrote ${cases.length} cases to ${out}; README examples where the JS reference equals the Python README: ${readme.filter((c) => c.referenceAgreesWithPublished).length}/${readme.length}`);
for (const c of readme.filter((c) => !c.referenceAgreesWithPublished)) console.error(`  differs: ${JSON.stringify(c.text)} reference ${JSON.stringify(c.reference)} published ${JSON.stringify(c.published)}`);
