/**
 * Passwords that lead every published list of leaked passwords (NIST SP 800-63B §5.1.1.2:
 * compare against "passwords obtained from previous breach corpuses" and "commonly-used"
 * ones). Compared without regard to case. Kept short on purpose: these are the ones an attacker
 * tries first, and they all meet the length rule, so only this list refuses them.
 */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  `
password password1 password12 password123 password1234 passw0rd p@ssw0rd p@ssword pa$$word
12345678 123456789 1234567890 12345678910 0123456789 87654321 987654321 9876543210
11111111 111111111 1111111111 00000000 000000000 22222222 88888888 99999999 12341234
11223344 12121212 13131313 69696969 123123123 1q2w3e4r 1q2w3e4r5t 1qaz2wsx 1qazxsw2
qwertyui qwerty12 qwerty123 qwerty1234 qwertyuiop qwerty123456 asdfghjk asdfghjkl
zxcvbnm1 zxcvbnma q1w2e3r4 q1w2e3r4t5 a1b2c3d4 abcd1234 abc12345 abcdefgh abcdefg1
aa123456 a1234567 a12345678 iloveyou iloveyou1 iloveyou2 sunshine sunshine1 princess
princess1 football football1 baseball baseball1 basketball superman superman1 batman123
starwars starwars1 whatever trustno1 letmein1 letmein123 welcome1 welcome123 welcome2024
welcome2025 welcome2026 changeme changeme1 changeme123 computer michelle jennifer jessica1
charlie1 master12 master123 mustang1 shadow12 shadow123 monkey12 monkey123 dragon12
dragon123 freedom1 internet corvette mercedes liverpool chelsea1 arsenal1 maverick
matthew1 jordan23 hello123 helloworld hellokitty loveme12 lovely12 michael1 danielle
qazwsxedc qazwsx123 zaq12wsx zaq1zaq1 zxcvbnm123 google123 samsung1 secret123 admin123
admin1234 administrator adminadmin root1234 rootroot test1234 test12345 testtest
guest123 user1234 login123 default1 access14 security secure123 summer2024 summer2025
winter2024 winter2025 spring2025 autumn2025 january1 december unknown1 nothing1
cheese12 chocolate butterfly pokemon1 minecraft fortnite1 naruto12 pussycat ginger12
passport sunflower blink182 ncc1701d 123qweasd 123qweasdzxc qweasdzxc 1234qwer
qwer1234 asdf1234 zxcv1234 147258369 159753456 741852963 963852741 135792468
aaaaaaaa abcabcabc 1234abcd abcd4321 baseball12 football12 soccer12 hockey12 golfer12
`
    .split(/\s+/)
    .filter(Boolean),
);
