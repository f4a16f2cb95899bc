"""People of the demo network used by the reporting tests."""

ALMA_DIRECTOR = "claire.vasseur@alma.demo"
ALMA_STAFF = "ines.mercier@alma.demo"
ECHO_DIRECTOR = "karim.haddou@echo.demo"
GRAND_AIR_DIRECTOR = "fatou.diallo@montreuil.demo"
NORD_ANALYST = "paul.verhaeghe@federation-nord.demo"
SSD_ANALYST = "elodie.martin@federation93.demo"
