<?xml version="1.0" encoding="UTF-8"?>
<!-- wrap.xsl: imports ../deep.xsl (from its own folder's parent). -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
    <xsl:import href="../deep.xsl"/>
    <xsl:template name="wrap">[wrap]<xsl:call-template name="deep"/></xsl:template>
</xsl:stylesheet>
