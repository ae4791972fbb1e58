//===- lexer.re - the re2c lexer of obs -----------------------------------===//
//
// Bytes in, tokens out. Positions are byte offsets into the SourceFile, which
// maps them to line and column. Every malformed input is reported into
// Diagnostics and lexing goes on: no input makes the lexer stop early except
// the end of the text.
//
//===----------------------------------------------------------------------===//
#include "lang/grammar/lexer.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string_view>

/*!re2c
  re2c:api = custom;
  re2c:api:style = free-form;
  re2c:define:YYCTYPE = "unsigned char";
  re2c:define:YYPEEK = "*cur_";
  re2c:define:YYSKIP = "++cur_;";
  re2c:define:YYBACKUP = "mar_ = cur_;";
  re2c:define:YYRESTORE = "cur_ = mar_;";
  re2c:define:YYBACKUPCTX = "ctxm_ = cur_;";
  re2c:define:YYRESTORECTX = "cur_ = ctxm_;";
  re2c:define:YYLESSTHAN = "lim_ - cur_ < @@{len}";
  re2c:define:YYFILL = "false";
  re2c:yyfill:enable = 0;
  re2c:eof = 0;

  ws      = [ \t\r\n\v\f]+;
  digit   = [0-9];
  dec     = digit+;
  hex     = "0" [xX] [0-9a-fA-F]+;
  frac    = dec "." dec;
  exp     = [eE] [+-]? dec;
  word    = [a-zA-Z_] [a-zA-Z_0-9]*;
  header  = "<" [^>\n\x00]* ">" | "\"" [^"\n\x00]* "\"";
*/

namespace obs {
namespace {

/// The units a number may carry; factors are to ns, bytes.
struct UnitInfo {
  const char *name;
  Unit unit;
  double factor;
};
const UnitInfo kUnits[] = {
    {"ns", Unit::Duration, 1},       {"us", Unit::Duration, 1e3},
    {"ms", Unit::Duration, 1e6},     {"s", Unit::Duration, 1e9},
    {"m", Unit::Duration, 60e9},     {"min", Unit::Duration, 60e9},
    {"h", Unit::Duration, 3600e9},   {"d", Unit::Duration, 86400e9},
    {"B", Unit::Size, 1},            {"KB", Unit::Size, 1024.0},
    {"MB", Unit::Size, 1048576.0},   {"GB", Unit::Size, 1073741824.0},
    {"TB", Unit::Size, 1099511627776.0}, {"KiB", Unit::Size, 1024.0},
    {"MiB", Unit::Size, 1048576.0},  {"GiB", Unit::Size, 1073741824.0},
    {"TiB", Unit::Size, 1099511627776.0},
};
const char *kUnitList = "ns, us, ms, s, m, min, h, d, B, KB, MB, GB, TB";

const UnitInfo *findUnit(std::string_view s) {
  for (const UnitInfo &u : kUnits)
    if (s == u.name)
      return &u;
  return nullptr;
}

bool isWordChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_';
}

struct Keyword {
  const char *text;
  int token;
};
const Keyword kKeywords[] = {
    {"if", IF},         {"else", ELSE},         {"unroll", UNROLL},
    {"while", WHILE},   {"return", RETURN},     {"break", BREAK},
    {"continue", CONTINUE}, {"sizeof", SIZEOF}, {"over", OVER},
    {"every", EVERY},   {"alert", ALERT},       {"when", WHEN},
    {"for", FOR},       {"cooldown", COOLDOWN}, {"import", IMPORT},
    {"param", PARAM},   {"struct", STRUCT},     {"union", UNION},
    {"enum", ENUM},
};
const char *const kIntTypes[] = {"int8",  "int16",  "int32",  "int64",
                                 "uint8", "uint16", "uint32", "uint64"};

/// Probe types whose attach points may contain '/' (binary paths).
bool takesPath(std::string_view kind) {
  return kind == "uprobe" || kind == "uretprobe" || kind == "usdt" ||
         kind == "u" || kind == "ur" || kind == "U";
}

/// Parses decimal digits, saturating; returns false on overflow.
bool parseDecimal(std::string_view s, uint64_t &out) {
  uint64_t v = 0;
  for (char c : s) {
    unsigned d = c - '0';
    if (v > (UINT64_MAX - d) / 10)
      return out = UINT64_MAX, false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

std::string printable(unsigned char c) {
  if (c >= 0x20 && c < 0x7f)
    return std::string(1, char(c));
  static const char hexd[] = "0123456789abcdef";
  return std::string("\\x") + hexd[c >> 4] + hexd[c & 15];
}

} // namespace

Lexer::Lexer(ASTContext &ctx, Diagnostics &diags, const SourceFile &file,
             uint32_t fileId)
    : ctx_(ctx), diags_(diags), fileId_(fileId) {
  // std::string keeps a NUL after the last byte: the sentinel re2c needs.
  begin_ = reinterpret_cast<const unsigned char *>(file.text().c_str());
  cur_ = tok_ = begin_;
  lim_ = begin_ + file.text().size();
  startErrors_ = diags.errorCount();
}

SourceRange Lexer::here(const unsigned char *b, const unsigned char *e) const {
  return SourceRange{fileId_, uint32_t(b - begin_), uint32_t(e - begin_)};
}

std::string Lexer::text(const unsigned char *b, const unsigned char *e) const {
  return std::string(reinterpret_cast<const char *>(b), e - b);
}

bool Lexer::attachAllowed() const {
  if (depth_ != 0)
    return false;
  if (prev_ == ',')
    return prevPrev_ == ATTACH;
  return prev_ == 0 || prev_ == '}' || prev_ == ';' || prev_ == INCLUDE;
}

int Lexer::next(OBSYYSTYPE *value, SourceRange *range) {
  unsigned errors = diags_.errorCount();
  int t = scan(value);
  ++count_;
  if (diags_.errorCount() != errors)
    lexErrorAt_ = count_;
  *range = here(tok_, cur_);
  if (t == '{')
    ++depth_;
  else if (t == '}' && depth_ > 0)
    --depth_;
  prevPrev_ = prev_;
  prev_ = t;
  if (t != 0) {
    prevPrevEnd_ = prevEnd_;
    prevEnd_ = range->end;
  }
  return t;
}

void Lexer::skipToTopLevel() {
  OBSYYSTYPE v;
  SourceRange r;
  while (depth_ > 0 && next(&v, &r) != 0) {
  }
}

bool Lexer::tooManyErrors() {
  if (!gaveUp_ && diags_.errorCount() - startErrors_ >= kErrorLimit) {
    gaveUp_ = true;
    diags_.report(DiagKind::syntax_error, here(cur_, cur_),
                  {"too many errors; giving up on this file"});
  }
  if (gaveUp_)
    tok_ = cur_ = lim_;
  return gaveUp_;
}

int Lexer::scan(OBSYYSTYPE *value) {
  for (;;) {
    if (tooManyErrors())
      return 0;
    tok_ = cur_;
    // After the '.' of a field access, digits are a tuple element index, a
    // decimal integer and never a float: $t.0.1 is ($t.0).1.
    if (prev_ == '.' && cur_ < lim_ && *cur_ >= '0' && *cur_ <= '9')
      return lexFieldIndex(value);
    /*!re2c
      $ { return 0; }

      ws { continue; }
      "//" [^\n\x00]* { continue; }
      "/*" {
        const unsigned char *open = tok_;
        for (;;) {
          if (cur_ >= lim_) {
            diags_.report(DiagKind::unterminated_comment, here(open, open + 2));
            cur_ = lim_;
            return 0;
          }
          if (cur_[0] == '*' && cur_ + 1 < lim_ && cur_[1] == '/') {
            cur_ += 2;
            break;
          }
          ++cur_;
        }
        continue;
      }
      "#!" [^\n\x00]* {
        if (tok_ == begin_)
          continue; // a shebang line: #!/usr/bin/env obsc
        cur_ = tok_ + 1;
        diags_.report(DiagKind::unexpected_char, here(tok_, cur_), {"#"});
        continue;
      }
      "#" [ \t]* "include" [ \t]* header {
        const unsigned char *h = tok_;
        while (*h != '<' && *h != '"')
          ++h;
        value->str = ctx_.make<std::string>(text(h + 1, cur_ - 1));
        return INCLUDE;
      }
      "#" [ \t]* "include" [^\n\x00]* {
        diags_.report(DiagKind::syntax_error, here(tok_, cur_),
                      {"expected <header> or \"header\" after #include"});
        continue;
      }

      "\"" { return lexString(value); }

      hex {
        std::string_view digits(reinterpret_cast<const char *>(tok_) + 2,
                                cur_ - tok_ - 2);
        size_t nz = digits.find_first_not_of('0');
        uint64_t v = 0;
        if (nz != std::string_view::npos && digits.size() - nz > 16) {
          diags_.report(DiagKind::integer_too_large, here(tok_, cur_),
                        {text(tok_, cur_)});
          v = UINT64_MAX;
        } else {
          for (char c : digits)
            v = v * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        }
        value->expr = ctx_.expr(here(tok_, cur_), IntegerLit{v});
        return INT;
      }
      dec exp | frac exp? | dec | dec word | frac word | dec "/" word | frac "/" word {
        return lexNumber(value);
      }

      word { return lexWord(value); }
      "$" dec {
        uint64_t v;
        if (!parseDecimal(text(tok_ + 1, cur_), v) || v > 0xffffffffu) {
          diags_.report(DiagKind::integer_too_large, here(tok_, cur_),
                        {text(tok_ + 1, cur_)});
          v = 0xffffffffu;
        }
        value->num = v;
        return POSITIONAL;
      }
      "$#" { return POSCOUNT; }
      "$" word { value->str = ctx_.make<std::string>(text(tok_ + 1, cur_)); return VAR; }
      "@" word? { value->str = ctx_.make<std::string>(text(tok_ + 1, cur_)); return MAP; }

      "/" {
        // The '/' closing a predicate: '{' comes next, after any blanks and
        // comments. Every other '/' is a division.
        if (braceFollows(cur_))
          return ENDPRED;
        return '/';
      }

      "||" { return OROR; }
      "&&" { return ANDAND; }
      "==" { return EQ; }
      "!=" { return NE; }
      "<=" { return LE; }
      ">=" { return GE; }
      "<<" { return SHL; }
      ">>" { return SHR; }
      "++" { return INCR; }
      "--" { return DECR; }
      "->" { return ARROW; }
      "+="  { value->aop = int(AssignOp::Add); return COMPOUND; }
      "-="  { value->aop = int(AssignOp::Sub); return COMPOUND; }
      "*="  { value->aop = int(AssignOp::Mul); return COMPOUND; }
      "/="  { value->aop = int(AssignOp::Div); return COMPOUND; }
      "%="  { value->aop = int(AssignOp::Mod); return COMPOUND; }
      "<<=" { value->aop = int(AssignOp::Shl); return COMPOUND; }
      ">>=" { value->aop = int(AssignOp::Shr); return COMPOUND; }
      "&="  { value->aop = int(AssignOp::BitAnd); return COMPOUND; }
      "|="  { value->aop = int(AssignOp::BitOr); return COMPOUND; }
      "^="  { value->aop = int(AssignOp::BitXor); return COMPOUND; }
      [-+*%<>=!~&|^?:;,.(){}[\]] { return int(*tok_); }

      * {
        // One report for a whole UTF-8 sequence, shown as the character.
        std::string shown = printable(*tok_);
        if (*tok_ >= 0xc2 && *tok_ <= 0xf4) {
          const unsigned char *e = cur_;
          while (e < lim_ && e - tok_ < 4 && (*e & 0xc0) == 0x80)
            ++e;
          size_t want = *tok_ >= 0xf0 ? 4 : *tok_ >= 0xe0 ? 3 : 2;
          if (size_t(e - tok_) == want) {
            cur_ = e;
            shown = text(tok_, cur_);
          }
        }
        // A run of control bytes is one report.
        if (*tok_ < 0x20 || *tok_ == 0x7f || *tok_ >= 0x80)
          while (cur_ < lim_ && (*cur_ == 0 || *cur_ == 0x7f ||
                                 (*cur_ >= 0x80 && *cur_ < 0xc2) ||
                                 *cur_ >= 0xf5))
            ++cur_;
        diags_.report(DiagKind::unexpected_char, here(tok_, cur_), {shown});
        continue;
      }
    */
  }
}

bool Lexer::braceFollows(const unsigned char *p) const {
  while (p < lim_) {
    unsigned char c = *p;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
        c == '\f') {
      ++p;
    } else if (c == '/' && p + 1 < lim_ && p[1] == '/') {
      while (p < lim_ && *p != '\n')
        ++p;
    } else if (c == '/' && p + 1 < lim_ && p[1] == '*') {
      const unsigned char *e = p + 2;
      while (e + 1 < lim_ && !(e[0] == '*' && e[1] == '/'))
        ++e;
      if (e + 1 >= lim_)
        return false; // unterminated: reported when the comment is lexed
      p = e + 2;
    } else {
      return c == '{';
    }
  }
  return false;
}

int Lexer::lexFieldIndex(OBSYYSTYPE *value) {
  while (cur_ < lim_ && *cur_ >= '0' && *cur_ <= '9')
    ++cur_;
  std::string digits = text(tok_, cur_);
  uint64_t v;
  if (!parseDecimal(digits, v))
    diags_.report(DiagKind::integer_too_large, here(tok_, cur_), {digits});
  value->expr = ctx_.expr(here(tok_, cur_), IntegerLit{v});
  return INT;
}

int Lexer::lexWord(OBSYYSTYPE *value) {
  std::string_view w(reinterpret_cast<const char *>(tok_), cur_ - tok_);
  if (attachAllowed() &&
      ((cur_ < lim_ && *cur_ == ':') || w == "BEGIN" || w == "END"))
    return lexAttach(value);
  // After '.' and '->' every word is a field name, keywords included.
  bool field = prev_ == '.' || prev_ == ARROW;
  if (!field) {
    for (const Keyword &k : kKeywords)
      if (w == k.text)
        return k.token;
    for (const char *t : kIntTypes)
      if (w == t) {
        value->str = ctx_.make<std::string>(w);
        return INTTYPE;
      }
  }
  value->str = ctx_.make<std::string>(w);
  return IDENT;
}

int Lexer::lexAttach(OBSYYSTYPE *value) {
  // The probe type word is already consumed; the point runs to whitespace,
  // ',' or '{', and to '/' unless the probe type takes a binary path.
  bool path = takesPath(std::string_view(
      reinterpret_cast<const char *>(tok_), cur_ - tok_));
  while (cur_ < lim_) {
    unsigned char c = *cur_;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
        c == '\f' || c == ',' || c == '{' || c == '\0' || (c == '/' && !path))
      break;
    ++cur_;
  }
  value->str = ctx_.make<std::string>(text(tok_, cur_));
  return ATTACH;
}

int Lexer::lexString(OBSYYSTYPE *value) {
  std::string s;
  for (;;) {
    if (cur_ >= lim_ || *cur_ == '\n') {
      diags_.report(DiagKind::unterminated_string, here(tok_, cur_));
      break;
    }
    unsigned char c = *cur_++;
    if (c == '"')
      break;
    if (c != '\\') {
      s += char(c);
      continue;
    }
    if (cur_ >= lim_ || *cur_ == '\n')
      continue; // reported as unterminated on the next turn
    const unsigned char *esc = cur_ - 1;
    unsigned char e = *cur_++;
    switch (e) {
    case 'n': s += '\n'; break;
    case 't': s += '\t'; break;
    case 'r': s += '\r'; break;
    case 'a': s += '\a'; break;
    case 'b': s += '\b'; break;
    case 'f': s += '\f'; break;
    case 'v': s += '\v'; break;
    case 'e': s += '\x1b'; break;
    case '\\': s += '\\'; break;
    case '"': s += '"'; break;
    case '\'': s += '\''; break;
    case 'x': {
      unsigned v = 0, n = 0;
      while (n < 2 && cur_ < lim_ && std::isxdigit(*cur_)) {
        unsigned char h = *cur_++;
        v = v * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
        ++n;
      }
      if (n == 0)
        diags_.report(DiagKind::bad_escape, here(esc, cur_), {"x"});
      s += char(v);
      break;
    }
    default:
      if (e >= '0' && e <= '7') {
        unsigned v = e - '0', n = 1;
        while (n < 3 && cur_ < lim_ && *cur_ >= '0' && *cur_ <= '7')
          v = v * 8 + (*cur_++ - '0'), ++n;
        s += char(v & 0xff);
      } else {
        diags_.report(DiagKind::bad_escape, here(esc, cur_), {printable(e)});
        s += char(e);
      }
    }
  }
  value->expr = ctx_.expr(here(tok_, cur_), StringLit{std::move(s)});
  return STRING;
}

int Lexer::lexNumber(OBSYYSTYPE *value) {
  // The match is NUMBER, NUMBER SUFFIX or NUMBER / WORD; split it here.
  const unsigned char *p = tok_;
  while (p < cur_ && std::isdigit(*p))
    ++p;
  bool isFloat = false;
  if (p + 1 < cur_ && *p == '.' && std::isdigit(p[1])) {
    isFloat = true;
    for (++p; p < cur_ && std::isdigit(*p); ++p) {
    }
  }
  // Exponent: 1e6 is an integer, 1e-3 and 1.5e3 are numbers.
  const unsigned char *q = p;
  bool negExp = false;
  if (q < cur_ && (*q == 'e' || *q == 'E')) {
    ++q;
    if (q < cur_ && (*q == '+' || *q == '-'))
      negExp = *q++ == '-';
    if (q < cur_ && std::isdigit(*q)) {
      while (q < cur_ && std::isdigit(*q))
        ++q;
      if (q == cur_) { // the whole match is a number with an exponent
        std::string spelled = text(tok_, cur_);
        if (!isFloat && !negExp) {
          uint64_t mant, ex;
          bool ok = parseDecimal(text(tok_, p), mant) &&
                    parseDecimal(text(p + 1 + (p[1] == '+'), cur_), ex);
          for (uint64_t i = 0; ok && i < ex && mant != 0; ++i) {
            if (mant > UINT64_MAX / 10)
              ok = false;
            mant *= 10;
          }
          if (!ok) {
            diags_.report(DiagKind::integer_too_large, here(tok_, cur_),
                          {spelled});
            mant = UINT64_MAX;
          }
          value->expr = ctx_.expr(here(tok_, cur_), IntegerLit{mant});
          return INT;
        }
        value->expr = ctx_.expr(
            here(tok_, cur_),
            QuantityLit{std::strtod(spelled.c_str(), nullptr), Unit::None, spelled});
        return FLOAT;
      }
    }
  }
  const unsigned char *numEnd = p;
  std::string num = text(tok_, numEnd);
  double mag = std::strtod(num.c_str(), nullptr);
  Unit unit = Unit::None;
  bool hasUnit = false;
  const unsigned char *e = numEnd;
  if (numEnd < cur_ && *numEnd != '/') {
    // NUMBER SUFFIX [/ WORD]
    const unsigned char *s = numEnd;
    while (s < cur_ && isWordChar(*s))
      ++s;
    std::string suffix = text(numEnd, s);
    const UnitInfo *u = findUnit(suffix);
    if (!u) {
      diags_.report(DiagKind::bad_unit, here(numEnd, s), {suffix, kUnitList});
    } else {
      mag *= u->factor;
      unit = u->unit;
      hasUnit = true;
    }
    e = s;
  }
  // A rate: COUNT/TIME or SIZE/TIME, with the slash right after the number
  // and a time unit right after the slash; otherwise the '/' is a division.
  bool rate = false;
  if (unit != Unit::Duration && e < lim_ && *e == '/') {
    const unsigned char *w = e + 1, *we = w;
    while (we < lim_ && isWordChar(*we))
      ++we;
    const UnitInfo *u = findUnit(text(w, we));
    if (u && u->unit == Unit::Duration) {
      mag = mag / (u->factor / 1e9);
      unit = unit == Unit::Size ? Unit::ByteRate : Unit::Rate;
      hasUnit = rate = true;
      e = we;
    }
  }
  cur_ = e; // give back a '/' that turned out to be a division
  std::string spelled = text(tok_, cur_);
  // A leading 0 makes an integer octal, as in C: 0644 is 420, 08 is an error.
  bool octal = !isFloat && num.size() > 1 && num[0] == '0';
  bool badDigit = false;
  if (octal) {
    size_t bad = num.find_first_of("89");
    if (bad != std::string::npos) {
      badDigit = true;
      diags_.report(DiagKind::syntax_error,
                    here(tok_ + bad, tok_ + bad + 1),
                    {std::string("invalid digit '") + num[bad] +
                     "' in octal literal"});
    } else if (hasUnit) {
      diags_.report(DiagKind::syntax_error, here(tok_, cur_),
                    {"octal literal '" + num +
                     "' cannot take a unit; write the number in decimal"});
    }
  }
  if (hasUnit || isFloat) {
    value->expr = ctx_.expr(here(tok_, cur_), QuantityLit{mag, unit, spelled});
    return hasUnit ? QUANTITY : FLOAT;
  }
  (void)rate;
  uint64_t v = 0;
  if (octal) {
    for (char c : num) {
      if (v > (UINT64_MAX >> 3)) {
        if (!badDigit)
          diags_.report(DiagKind::integer_too_large, here(tok_, numEnd), {num});
        v = UINT64_MAX;
        break;
      }
      v = v * 8 + unsigned(c - '0') % 8; // 8 and 9 are reported above
    }
  } else if (!parseDecimal(num, v)) {
    diags_.report(DiagKind::integer_too_large, here(tok_, numEnd), {num});
  }
  value->expr = ctx_.expr(here(tok_, cur_), IntegerLit{v});
  return INT;
}

} // namespace obs
